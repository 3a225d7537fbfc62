"""examples/slurm runs for real: a single-node Slurm (slurmctld, slurmd and munged from
Debian's slurm-wlm and munge, configured in a temporary folder, no systemd) takes the example's
job array of 4 parts and its dependent merge job through sbatch; the merged dataset equals an
unsharded run's (manifest, lists and files). Every daemon is stopped at the end."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

from dstest import SMALL, check, exe, run_ok, same_tree, skip, tmpdir

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples",
                        "slurm")
ARGS = ["--classes", "4", "--per-class", "3"] + SMALL

for program in ("munged", "slurmctld", "slurmd", "sbatch", "scontrol", "squeue"):
    if shutil.which(program) is None and not os.path.exists("/usr/sbin/" + program):
        skip("%s not found: install slurm-wlm and munge (./dev.sh setup does)" % program)
if os.geteuid() != 0:
    skip("slurmd runs jobs as their owner, which needs root")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, test, timeout, logs=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if test():
            return
        time.sleep(0.5)
    text = "".join("\n--- %s:\n%s" % (p, open(p, errors="replace").read()[-3000:])
                   for p in logs if os.path.exists(p))
    check(False, "%s: not within %d s%s" % (what, timeout, text))


def pid_from(path):
    try:
        return int(open(path).read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


with tmpdir() as tmp:
    sd = os.path.join(tmp, "slurm")
    for d in ("state", "spool", "log"):
        os.makedirs(os.path.join(sd, d))
    key = os.path.join(sd, "munge.key")
    with open(key, "wb") as f:
        f.write(os.urandom(1024))
    os.chmod(key, 0o400)
    sock = os.path.join(sd, "munge.socket")
    conf = os.path.join(sd, "slurm.conf")
    pidfiles = {name: os.path.join(sd, name + ".pid") for name in ("munged", "slurmctld",
                                                                  "slurmd")}
    logs = [os.path.join(sd, "log", n) for n in ("munged.log", "slurmctld.log", "slurmd.log")]
    with open(conf, "w") as f:
        f.write("""ClusterName=fvtest%(pid)d
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=%(ctld)d
SlurmdPort=%(slurmd)d
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=%(sock)s
StateSaveLocation=%(sd)s/state
SlurmdSpoolDir=%(sd)s/spool
SlurmctldPidFile=%(sd)s/slurmctld.pid
SlurmdPidFile=%(sd)s/slurmd.pid
SlurmctldLogFile=%(sd)s/log/slurmctld.log
SlurmdLogFile=%(sd)s/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
MinJobAge=600
NodeName=fvnode NodeHostname=localhost NodeAddr=127.0.0.1 CPUs=%(cpus)d State=UNKNOWN
PartitionName=fv Nodes=fvnode Default=YES MaxTime=INFINITE State=UP
""" % {"pid": os.getpid(), "ctld": free_port(), "slurmd": free_port(), "sock": sock, "sd": sd,
       "cpus": os.cpu_count() or 1})
    env = dict(os.environ, SLURM_CONF=conf)
    # The jobs run fractalvid-dataset from this build.
    env["PATH"] = os.path.dirname(exe()) + os.pathsep + env.get("PATH", "")
    try:
        subprocess.run(["munged", "--force", "--socket=" + sock, "--key-file=" + key,
                        "--pid-file=" + pidfiles["munged"], "--log-file=" + logs[0],
                        "--seed-file=" + os.path.join(sd, "munged.seed")],
                       env=env, check=True, capture_output=True, timeout=30)
        started = subprocess.run(["slurmctld", "-i"], env=env, capture_output=True, text=True,
                                 timeout=60)
        if started.returncode != 0:
            skip("slurmctld cannot start here: %s %s" % (started.stderr, open(logs[1]).read()
                                                         if os.path.exists(logs[1]) else ""))
        subprocess.run(["slurmd", "-N", "fvnode"], env=env, check=True, capture_output=True,
                       timeout=60)

        def node_idle():
            p = subprocess.run(["sinfo", "-h", "-o", "%T"], env=env, capture_output=True,
                               text=True)
            return p.stdout.strip() == "idle"

        wait_for("the node becoming idle", node_idle, 90, logs)

        out = os.path.join(tmp, "parts")
        submit = subprocess.run([os.path.join(EXAMPLES, "submit.sh")] + ARGS, cwd=tmp,
                                env=dict(env, OUT=out, PARTS="4", CPUS="1"),
                                capture_output=True, text=True, timeout=60)
        check(submit.returncode == 0, "submit.sh: %s %s" % (submit.stdout, submit.stderr))
        merge_job = submit.stdout.split()[-1]

        def job_state(job):
            p = subprocess.run(["scontrol", "show", "job", job], env=env, capture_output=True,
                               text=True)
            fields = dict(w.split("=", 1) for w in p.stdout.split() if "=" in w)
            return fields.get("JobState"), fields.get("ExitCode"), fields.get("Reason")

        job_logs = lambda: [os.path.join(tmp, n) for n in sorted(os.listdir(tmp))
                            if n.endswith(".log")] + logs

        def merged():
            state, _, reason = job_state(merge_job)
            check(reason != "DependencyNeverSatisfied",
                  "a part failed:%s" % "".join("\n--- %s:\n%s" % (p, open(p).read()[-2000:])
                                                for p in job_logs()))
            return state in ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT")

        wait_for("the parts and the merge job", merged, 400, job_logs())
        state, code, _ = job_state(merge_job)
        check((state, code) == ("COMPLETED", "0:0"), "merge job %s %s: %s" % (
            state, code, [open(p).read()[-2000:] for p in job_logs()]))
        parts = sorted(n for n in os.listdir(out) if n.startswith("manifest-"))
        check(parts == ["manifest-%d-of-4.jsonl" % i for i in range(4)], parts)
        make_logs = [n for n in os.listdir(tmp) if n.startswith("fractalvid-make-")]
        check(len(make_logs) == 4, "array task logs: %s" % make_logs)

        whole = os.path.join(tmp, "whole")
        run_ok(["make", "--out", whole, "--quiet"] + ARGS)
        same_tree(whole, out, "Slurm parts merged against one run", ignore=("manifest-",))
    finally:
        subprocess.run(["scontrol", "shutdown"], env=env, capture_output=True, timeout=30)
        for name in ("slurmd", "slurmctld", "munged"):
            pid = pid_from(pidfiles[name])
            deadline = time.monotonic() + 15
            while pid and alive(pid) and time.monotonic() < deadline:
                if name == "munged":
                    os.kill(pid, signal.SIGTERM)
                time.sleep(0.2)
            if pid and alive(pid):
                os.kill(pid, signal.SIGKILL)
print("ok: the Slurm example's 4 parts and merge equal one unsharded run")
