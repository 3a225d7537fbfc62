"""--srt-port: MPEG-TS over SRT in listener mode, the streamid carrying the query. srtsrc and
ffmpeg callers receive the stream asked for; callers of one query share one pipeline, another
query gets its own; a bad streamid is rejected (and logged with its reason); a caller that
vanishes is dropped and its pipeline stopped; with --srt-passphrase a caller must know it."""
import time

from fvserver import (Server, Viewer, check, element_frames, ffmpeg_receive, ffprobe,
                      gst_receive, log, match_frames, run)

QUERY = "class=3&seed=7&motion=linear&width=160&height=120&fps=12&density=2&bitrate=4000"


def srtsrc(server, streamid, extra=""):
    # Half a second of SRT latency: frames held up by a busy machine still arrive in time.
    return ("srtsrc uri=%s streamid=%s latency=500 %s" % (server.srt_url(), streamid,
                                                          extra)).strip()


reference = element_frames("class=3 seed=7 motion=linear density=2", 160, 120, "12/1", 80)


def no_pipelines(server, after):
    """Wait until the last caller's pipeline has stopped, so the next caller of the same query
    starts a pipeline of its own, from frame 0. (A caller is seen to be gone seconds after it
    goes, later still when gst-launch hangs at its end and is killed: a caller coming sooner
    would join the running pipeline, frames past the reference's.)"""
    server.wait_until(lambda: server.running_pipelines() == 0,
                      "the pipeline stops after " + after, timeout=30)

with Server(srt=True) as server:
    got = gst_receive(srtsrc(server, QUERY), 9)
    check((got.width, got.height) == (160, 120), "srtsrc: %dx%d" % (got.width, got.height))
    match_frames(got.frames, reference, 35.0)
    log("ok: srtsrc decodes the element's frames")
    no_pipelines(server, "srtsrc")

    # ffmpeg takes the streamid in the URL, escaped as a whole (its -streamid is another
    # option); ffprobe and ffplay also take it as an option.
    frames = ffmpeg_receive(server.srt_url() + "?latency=500000&streamid=" +
                            QUERY.replace("&", "%26"), 8, 160, 120)
    match_frames(frames, reference, 35.0)
    info = ffprobe(server.srt_url(), seconds=1, input_args=["-streamid", QUERY])
    check(info["width"] == "160" and info["r_frame_rate"] == "12/1", "ffprobe: %s" % info)
    log("ok: ffmpeg and ffprobe callers")
    no_pipelines(server, "ffprobe")

    # Several callers: the same query shares a pipeline, another query has its own.
    mark = len(server.lines)
    callers = [Viewer(srtsrc(server, QUERY)) for _ in range(3)]
    callers.append(Viewer(srtsrc(server, "class=4&width=96&height=64&density=2")))
    for c in callers:
        c.wait_frames(5, timeout=60)
    started = sum(1 for line in server.lines[mark:] if "pipeline" in line and "started" in line)
    check(started == 2, "4 callers, 2 queries: %d pipelines" % started)
    log("ok: 4 callers, 2 queries, 2 pipelines")

    # A caller that vanishes is dropped; the others go on.
    callers[0].kill()
    server.wait_for(r"srt caller .* disconnected", timeout=20, start=mark)
    before = callers[1].frames
    callers[1].wait_frames(before + 5)
    for c in callers[1:]:
        c.kill()
    server.wait_until(lambda: server.running_pipelines() == 0, "pipelines stop with their callers",
                      timeout=30)
    log("ok: vanished callers dropped, pipelines stopped")

    # Bad streamids: rejected at the handshake, the reason in the log.
    p = run(["ffmpeg", "-nostdin", "-v", "error", "-i", server.srt_url() +
             "?streamid=class=3%26bogus=1", "-frames:v", "1", "-f", "null", "-"], timeout=30)
    check(p.returncode != 0, "a bad streamid was served")
    server.wait_for(r'srt caller .* refused \(1400\): unknown key "bogus"')
    p = run(["ffmpeg", "-nostdin", "-v", "error", "-i", server.srt_url() + "?streamid=codec=vp8",
             "-frames:v", "1", "-f", "null", "-"], timeout=30)
    check(p.returncode != 0, "vp8 over MPEG-TS was served")
    server.wait_for(r"refused \(1400\): codec=vp8 cannot be carried in MPEG-TS")
    log("ok: bad streamids rejected")
    check(server.stop() == 0, "server did not exit 0")

with Server("--srt-passphrase", "correct-horse-battery", srt=True) as server:
    p = run(["ffmpeg", "-nostdin", "-v", "error", "-i", server.srt_url() + "?streamid=" +
             QUERY.replace("&", "%26"), "-frames:v", "1", "-f", "null", "-"], timeout=30)
    check(p.returncode != 0, "a caller without the passphrase was served")
    got = gst_receive(srtsrc(server, QUERY, "passphrase=correct-horse-battery"), 3)
    check(len(got.frames) >= 2, "with the passphrase: %d frames" % len(got.frames))
    log("ok: --srt-passphrase")
    check(server.stop() == 0, "server did not exit 0")
