using System.Buffers;
using System.Net;
using System.Threading.Channels;

namespace MeshProxy.Bench.Relay;

/// <summary>
/// The <c>yarp</c> mode's client: <see cref="UpstreamMux"/> behind an <see cref="HttpMessageHandler"/>, so that YARP's
/// forwarder drives it as MeshProxy's drives the lean client: the request's fields and whole body out in one send,
/// the response's body read from the call's events, its trailers given once the body ends.
/// </summary>
internal sealed class MuxHandler(UpstreamMux mux) : HttpMessageHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri!;
        var fields = new List<(string Name, string Value)>(16)
        {
            (":method", request.Method.Method),
            (":scheme", "http"),
            (":authority", uri.Authority),
            (":path", uri.PathAndQuery),
        };
        AddFields(fields, request.Headers);
        var body = Array.Empty<byte>();
        if (request.Content is { } content)
        {
            AddFields(fields, content.Headers);
            body = await content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        }

        var call = mux.Open(fields, new ReadOnlySequence<byte>(body), endStream: true);
        var events = call.Events;
        if (!await events.WaitToReadAsync(cancellationToken).ConfigureAwait(false) || !events.TryRead(out var head) || head.Kind != UpstreamEventKind.Headers)
        {
            throw new HttpRequestException("the backend reset the call");
        }

        var response = new HttpResponseMessage { RequestMessage = request, Version = HttpVersion.Version20 };
        var stream = new EventStream(events, response);
        response.Content = new StreamContent(stream);
        foreach (var (name, value) in head.Fields!)
        {
            if (name == ":status")
            {
                response.StatusCode = (HttpStatusCode)int.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (!response.Headers.TryAddWithoutValidation(name, value))
            {
                response.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        if (head.EndStream)
        {
            stream.End();
        }

        return response;
    }

    private static void AddFields(List<(string Name, string Value)> fields, System.Net.Http.Headers.HttpHeaders headers)
    {
        foreach (var (name, values) in headers.NonValidated)
        {
            var lower = ForwardingApplication.LowerCase(name);
            foreach (var value in values)
            {
                fields.Add((lower, value));
            }
        }
    }

    /// <summary>The response body from the call's DATA events; trailers go to the response as they come.</summary>
    private sealed class EventStream(ChannelReader<UpstreamEvent> events, HttpResponseMessage response) : Stream
    {
        private byte[]? _current;
        private int _offset;
        private bool _ended;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public void End() => _ended = true;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (_current is null || _offset == _current.Length)
            {
                if (_ended || !await events.WaitToReadAsync(cancellationToken).ConfigureAwait(false) || !events.TryRead(out var e))
                {
                    return 0;
                }

                switch (e.Kind)
                {
                    case UpstreamEventKind.Data:
                        _current = e.Data;
                        _offset = 0;
                        break;
                    case UpstreamEventKind.Headers:
                        foreach (var (name, value) in e.Fields!)
                        {
                            response.TrailingHeaders.TryAddWithoutValidation(name, value);
                        }

                        break;
                    default:
                        throw new IOException("the backend reset the call");
                }

                _ended |= e.EndStream;
            }

            var count = Math.Min(buffer.Length, _current.Length - _offset);
            _current.AsMemory(_offset, count).CopyTo(buffer);
            _offset += count;
            return count;
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
