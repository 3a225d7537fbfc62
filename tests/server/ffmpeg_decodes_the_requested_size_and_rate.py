"""ffprobe and ffmpeg receive and decode the stream the URL asks for, over RTP/UDP and
RTP/TCP: its size and rate, and as many frames as asked."""
from fvserver import Server, check, ffmpeg_receive, ffprobe, log

with Server() as server:
    for transport, (width, height, fps) in (("udp", (160, 120, 15)), ("tcp", (128, 96, 30))):
        url = server.url("class=3&seed=7&width=%d&height=%d&fps=%d&density=2"
                         % (width, height, fps))
        args = ["-rtsp_transport", transport]
        info = ffprobe(url, seconds=2, input_args=args)
        check(info.get("codec_name") == "h264", "codec: %s" % info)
        check((int(info["width"]), int(info["height"])) == (width, height), "size: %s" % info)
        check(info.get("r_frame_rate") == "%d/1" % fps, "rate: %s" % info)
        check(int(info["nb_read_frames"]) >= fps, "frames in 2 s: %s" % info)
        frames = ffmpeg_receive(url, 10, width, height, input_args=args)
        check(len(frames) == 10, "ffmpeg decoded %d of 10 frames" % len(frames))
        check(all(max(f) > 64 for f in frames), "a decoded frame is dark")
        log("ok: %s %dx%d at %d fps: %s" % (transport, width, height, fps, info))
    check(server.stop() == 0, "server did not exit 0")
