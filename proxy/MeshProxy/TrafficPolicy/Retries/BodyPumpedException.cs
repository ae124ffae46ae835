namespace MeshProxy.TrafficPolicy.Retries;

/// <summary>
/// A try's request was sent a second time by the handler under the retry loop: SocketsHttpHandler re-sends on its own a
/// request the server did not process (RST_STREAM REFUSED_STREAM, a stream above a GOAWAY's last one, RFC 9113 §8.7),
/// and the caller's body, already pumped into the first send, cannot feed a second. The retry loop counts the try as
/// refused (<c>refused-stream</c>) and replays the recorded body in a try of its own, as it does for the lean client,
/// which reports the refusal itself.
/// </summary>
internal sealed class BodyPumpedException() : InvalidOperationException("The caller's request body is already being read by another attempt.");
