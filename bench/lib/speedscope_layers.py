"""Summarises a dotnet-trace sampled-thread-time trace (converted to speedscope) by layer of the request path.

Usage: speedscope_layers.py TRACE.speedscope.json

dotnet-trace's converter ends every sampled stack with a pseudo frame: CPU_TIME (the thread was running managed code)
or UNMANAGED_CODE_TIME (it was in native code: a system call, a runtime helper, or blocked). A sample is busy when it
is CPU_TIME, or native under anything but a blocking wait (semaphores, monitors, wait handles, the file watcher's
inotify read, the socket engine's epoll_wait): idle threads are not request-path cost.

Each busy sample goes to one layer: the layer of the innermost frame that belongs to one. Base-library helpers
(collections, tasks, strings, buffers, pipelines, JSON, protobuf) belong to no layer, so their time counts for the
code that called them: a CancellationTokenSource registration made by YARP is YARP's cost. Samples with no layer frame
at all are the runtime's own (thread-pool dispatch and spinning, timers).
"""
import collections
import json
import sys

# (layer, predicate on "module!Namespace.Type.Method(...)"); the first that matches a frame names its layer.
LAYERS = [
    ("Sockets and system calls", lambda f: f.startswith("System.Net.Sockets!") or "!Interop+Sys." in f),
    # System.Net.Http is SocketsHttpHandler, and also the HttpRequestMessage, HttpResponseMessage and header types YARP
    # and the lean client both build a call on.
    ("System.Net.Http (SocketsHttpHandler; the message and header types)", lambda f: f.startswith("System.Net.Http!")),
    ("HTTP/2 client to the upstream (lean, MeshProxy.Upstream)", lambda f: f.startswith("meshproxy!MeshProxy.Upstream.")),
    ("YARP forwarder", lambda f: f.startswith("Yarp.ReverseProxy!")),
    # File I/O on the thread pool is the access log's (the only file the proxy writes).
    ("Telemetry (metrics, access log, tracing, request id)", lambda f: f.startswith("meshproxy!MeshProxy.Observability.")
        or f.startswith("System.Diagnostics.DiagnosticSource!") or f.startswith("OpenTelemetry")
        or f.startswith("Microsoft.Extensions.Logging") or "SafeFileHandle" in f or "System.IO.RandomAccess" in f),
    ("REST transcoding", lambda f: f.startswith("meshproxy!MeshProxy.Transcoding.")),
    ("MeshProxy routing and traffic policy", lambda f: f.startswith("meshproxy!") or f.startswith("MeshProxy.Grpc!")),
    ("Kestrel server side (HTTP/2, HTTP/1.1, hosting)", lambda f: f.startswith("Microsoft.AspNetCore.")),
]
SPINNING = "Thread-pool workers spinning before they block"
RUNTIME = "Runtime only (thread-pool dispatch, timers, GC polls)"

# Parents of UNMANAGED_CODE_TIME that mean the thread is blocked, not working.
WAITS = (
    "LowLevelLifoSemaphore.Wait", "WaitHandle.WaitOneNoCheck",
    "WaitHandle.WaitMultiple", "Monitor.Wait(", "ManualResetEventSlim.Wait", "Thread.Sleep", "WaitForSocketEvents",
    "System.IO.FileSystem.Watcher!Interop+Sys.Read", "Thread.Join",
    # A worker's semaphore wait is inlined into its start routine: native time right under it is the blocked wait.
    "PortableThreadPool+WorkerThread.WorkerThreadStart",
)

EPOLL = "System.Net.Sockets!System.Net.Sockets.SocketAsyncEngine.EventLoop("


def layer_of(frames):
    """The layer of the innermost frame (frames are outermost first) that belongs to one; RUNTIME when none does."""
    return next((name for frame in reversed(frames) for name, match in LAYERS if match(frame)), RUNTIME)


def intervals(trace):
    """(stack of frame indexes, milliseconds) for every stretch of every thread's timeline."""
    for profile in trace["profiles"]:
        stack, last = [], None
        for event in profile["events"]:
            if last is not None and stack and event["at"] > last:
                yield tuple(stack), event["at"] - last
            last = event["at"]
            if event["type"] == "O":
                stack.append(event["frame"])
            else:
                stack.pop()


def main(path):
    trace = json.load(open(path))
    names = [frame["name"] for frame in trace["shared"]["frames"]]
    by_stack = collections.Counter()
    for stack, ms in intervals(trace):
        by_stack[stack] += ms

    layer_ms, native_ms = collections.Counter(), collections.Counter()
    assembly_ms, leaf_ms = collections.Counter(), collections.Counter()
    busy = idle = 0.0
    for stack, ms in by_stack.items():
        frames = [names[i] for i in stack]
        leaf = frames[-1]
        if leaf not in ("CPU_TIME", "UNMANAGED_CODE_TIME"):
            continue
        # "?!?" is a frame the converter could not name (native runtime code).
        real = [f for f in frames[:-1] if "!" in f and not f.startswith("?!")]
        native = leaf == "UNMANAGED_CODE_TIME"
        # The socket engine's thread in its epoll_wait stub (an unnamed frame under EventLoop) waits for events.
        polling = real and real[-1].startswith(EPOLL) and frames[-2].startswith("?!")
        if polling or (native and (not real or any(w in real[-1] for w in WAITS))):
            idle += ms
            continue
        busy += ms
        layer = layer_of(real)
        if layer == RUNTIME and real and ("LowLevelLifoSemaphore" in real[-1] or real[-1].endswith("WorkerThreadStart()")):
            layer = SPINNING
        layer_ms[layer] += ms
        if native:
            native_ms[layer] += ms
        for assembly in {f.split("!", 1)[0] for f in real}:
            assembly_ms[assembly] += ms
        if real:
            method = real[-1].split("!", 1)[1].split("(", 1)[0]
            leaf_ms[method.split("+<", 1)[0] if "+<" in method else method.rsplit(".", 1)[0]] += ms

    print(f"Busy thread time {busy / 1000:.1f} s of {(busy + idle) / 1000:.1f} s sampled "
          f"(idle = blocked in waits). Shares are of busy time.\n")
    print("| Layer (innermost frame) | share | of which native |")
    print("|---|---:|---:|")
    for layer, ms in layer_ms.most_common():
        print(f"| {layer} | {ms / busy * 100:.1f} % | {native_ms[layer] / busy * 100:.1f} % |")
    print("\n| Assembly on the stack (inclusive) | share |")
    print("|---|---:|")
    for assembly, ms in assembly_ms.most_common(14):
        print(f"| {assembly} | {ms / busy * 100:.1f} % |")
    print("\n| Innermost frame's type (self time) | share |")
    print("|---|---:|")
    for method, ms in leaf_ms.most_common(15):
        print(f"| `{method}` | {ms / busy * 100:.1f} % |")


if __name__ == "__main__":
    main(sys.argv[1])
