"""The proxy's CPU by layer, from bench/perf.sh's script.txt (perf script -F comm,tid,ip,sym).

    python3 bench/lib/perf_layers.py DIR/script.txt [--markdown]

Each sample goes to the nearest layer that owns a frame on its stack, walking from the innermost frame outward: the
kernel's, libc's and the runtime's helper frames (allocation, casts, interface dispatch, tasks, cancellation, the
base library's collections) are charged to the code that called them. Two kinds of frame are layers of their own
rather than helpers, because nobody's call path asked for them: the GC's collections, and the thread pool's own
dispatch, spinning and sleeping. A sample with no owning frame at all is "other".
"""
import collections
import sys

from perf_frames import samples

# (layer, the AOT symbol prefixes that belong to it); the first match wins, so the narrower prefixes come first.
LAYERS = [
    ("GC (collections)", ("WKS::gc_heap::garbage_collect", "WKS::gc_heap::gc1", "SVR::gc_heap::garbage_collect")),
    ("Kestrel (HTTP/2 server, transport)", ("Microsoft_AspNetCore_Server_Kestrel",)),
    ("ASP.NET Core host and HttpContext", ("Microsoft_AspNetCore_Hosting", "Microsoft_AspNetCore_Http", "Microsoft_Extensions_Features")),
    ("YARP", ("Yarp_ReverseProxy",)),
    ("MeshProxy: routing and the gRPC endpoint", ("meshproxy_MeshProxy_Routing",)),
    ("MeshProxy: forwarding step", ("meshproxy_MeshProxy_Forwarding",)),
    ("MeshProxy: traffic policy (call, retries, overload)", ("meshproxy_MeshProxy_TrafficPolicy",)),
    ("MeshProxy: upstream client (HTTP/2, HPACK)", ("meshproxy_MeshProxy_Upstream",)),
    ("MeshProxy: telemetry", ("meshproxy_MeshProxy_Observability",)),
    ("MeshProxy: protection (gates, flood guard)", ("meshproxy_MeshProxy_Protection",)),
    ("MeshProxy: other", ("meshproxy_MeshProxy",)),
    ("System.Net.Http message types", ("System_Net_Http",)),
    ("System.IO.Pipelines", ("System_IO_Pipelines",)),
    # libc has no frame pointers, so a system call's stack often ends at its libc wrapper.
    ("sockets (System.Net.Sockets and its system calls)", ("System_Net_Sockets", "__send", "__libc_recv", "__libc_send", "__sendmsg", "__libc_sendmsg", "__recvmsg", "__libc_recvmsg")),
    ("thread pool and runtime waits: dispatch, spin, sleep, timers, futexes", (
        "S_P_CoreLib_System_Threading_PortableThreadPool",
        "S_P_CoreLib_System_Threading_ThreadPoolWorkQueue",
        "S_P_CoreLib_System_Threading_LowLevelLifoSemaphore",
        "S_P_CoreLib_System_Threading_TimerQueue",
        "S_P_CoreLib_System_Threading_Thread__",
        "__futex_abstimed_wait_common", "pthread_cond_", "__GI___lll_lock_wait",
    )),
]


def layer_of(stack):
    for frame in stack:
        for name, prefixes in LAYERS:
            if frame.startswith(prefixes):
                return name
    return "other"


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        sys.exit("usage: perf_layers.py DIR/script.txt [--markdown]")
    counts = collections.Counter(layer_of(stack) for stack in samples(args[0]))
    total = sum(counts.values()) or 1
    if "--markdown" in sys.argv:
        print(f"| layer ({total:,} samples) | share |")
        print("|---|---:|")
        for name, n in counts.most_common():
            print(f"| {name} | {100 * n / total:.1f} % |")
    else:
        print(f"{total} samples")
        for name, n in counts.most_common():
            print(f"{100 * n / total:6.1f} %  {name}")


if __name__ == "__main__":
    main()
