"""Write the linker version script of libfractalvid: the functions the public header
declares are exported, nothing else (the core's internal fv_ functions stay inside).

Usage: exports.py fractalvid.h OUTPUT"""
import re
import sys

header = open(sys.argv[1], encoding="utf-8").read()
header = re.sub(r"/\*.*?\*/", "", header, flags=re.S)
names = sorted(set(re.findall(r"\b(fv_\w+)\s*\(", header)))
if not names:
    sys.exit("no fv_ functions declared in " + sys.argv[1])
with open(sys.argv[2], "w", encoding="utf-8") as out:
    out.write("FRACTALVID_0 {\n  global:\n")
    out.writelines("    %s;\n" % name for name in names)
    out.write("  local:\n    *;\n};\n")
