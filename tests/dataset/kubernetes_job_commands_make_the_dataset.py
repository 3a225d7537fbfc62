"""examples/kubernetes holds a working Indexed Job: its pods' commands, run here as each pod
would run them (JOB_COMPLETION_INDEX 0..N-1, the volume's mount path a temporary folder,
smaller dataset arguments in ARGS), then the merge Job's command, give the dataset of one
unsharded run; and the Job's completions and parallelism match the --shard count."""
import os
import re
import subprocess

from dstest import SMALL, check, exe, run_ok, same_tree, skip, tmpdir

try:
    import yaml
except ImportError:
    skip("python3-yaml not installed (./dev.sh setup installs it)")

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples",
                    "kubernetes")
ARGS = ["--classes", "3", "--per-class", "3"] + SMALL

make_job = yaml.safe_load(open(os.path.join(HERE, "make-dataset.yaml")))
merge_job = yaml.safe_load(open(os.path.join(HERE, "merge-dataset.yaml")))
check(make_job["kind"] == "Job" and merge_job["kind"] == "Job", "not Jobs")
spec = make_job["spec"]
check(spec["completionMode"] == "Indexed", spec)
container = spec["template"]["spec"]["containers"][0]
command = container["command"]
parts = int(re.search(r"--shard \$JOB_COMPLETION_INDEX/(\d+)", command[-1]).group(1))
check(spec["completions"] == parts and spec["parallelism"] == parts, (spec, parts))
mount = container["volumeMounts"][0]["mountPath"]
merge = merge_job["spec"]["template"]["spec"]["containers"][0]
check(merge["volumeMounts"][0]["mountPath"] == mount, merge)

with tmpdir() as tmp:
    volume = os.path.join(tmp, "volume")
    os.mkdir(volume)

    def on_volume(words):
        return [w.replace(mount, volume) for w in words]

    env = dict(os.environ)
    env["PATH"] = os.path.dirname(exe()) + os.pathsep + env["PATH"]
    env.update({e["name"]: e["value"] for e in container.get("env", [])})
    env["ARGS"] = " ".join(ARGS)  # a small dataset instead of the example's
    for index in range(parts):
        pod = subprocess.run(on_volume(command), env=dict(env, JOB_COMPLETION_INDEX=str(index)),
                             capture_output=True, text=True, timeout=300)
        check(pod.returncode == 0, "pod %d: %s" % (index, pod.stderr))
    merged = subprocess.run(on_volume(merge["command"]), env=env, capture_output=True,
                            text=True, timeout=120)
    check(merged.returncode == 0, "merge: %s" % merged.stderr)
    dataset = re.search(r"--out (\S+)", command[-1]).group(1).replace(mount, volume)
    whole = os.path.join(tmp, "whole")
    run_ok(["make", "--out", whole, "--quiet"] + ARGS)
    same_tree(whole, dataset, "Indexed Job parts merged against one run", ignore=("manifest-",))
print("ok: the Indexed Job's %d pods and its merge make the unsharded dataset" % parts)
