namespace MeshProxy.Upstream;

/// <summary>
/// HTTP/2 code points the lean upstream client needs beside the frame header's (<see cref="IO.Http2FrameHeader"/>):
/// the preface, SETTINGS ids, error codes and window sizes (RFC 9113 §3.4, §6.5.2, §7).
/// </summary>
internal static class Http2Wire
{
    /// <summary>The client connection preface (RFC 9113 §3.4).</summary>
    public static ReadOnlySpan<byte> Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    public const ushort SettingsHeaderTableSize = 0x1;
    public const ushort SettingsEnablePush = 0x2;
    public const ushort SettingsMaxConcurrentStreams = 0x3;
    public const ushort SettingsInitialWindowSize = 0x4;
    public const ushort SettingsMaxFrameSize = 0x5;
    public const ushort SettingsMaxHeaderListSize = 0x6;

    public const int NoError = 0x0;
    public const int ProtocolError = 0x1;
    public const int InternalError = 0x2;
    public const int FlowControlError = 0x3;
    public const int StreamClosed = 0x5;
    public const int FrameSizeError = 0x6;
    public const int RefusedStream = 0x7;
    public const int Cancel = 0x8;
    public const int CompressionError = 0x9;

    public const int DefaultWindow = 65_535;
    public const int DefaultMaxFrameSize = 16_384;
    public const int MaxWindow = int.MaxValue;

    public static string ErrorName(long code) => code switch
    {
        NoError => "NO_ERROR",
        ProtocolError => "PROTOCOL_ERROR",
        InternalError => "INTERNAL_ERROR",
        FlowControlError => "FLOW_CONTROL_ERROR",
        0x4 => "SETTINGS_TIMEOUT",
        StreamClosed => "STREAM_CLOSED",
        FrameSizeError => "FRAME_SIZE_ERROR",
        RefusedStream => "REFUSED_STREAM",
        Cancel => "CANCEL",
        CompressionError => "COMPRESSION_ERROR",
        0xa => "CONNECT_ERROR",
        0xb => "ENHANCE_YOUR_CALM",
        0xc => "INADEQUATE_SECURITY",
        0xd => "HTTP_1_1_REQUIRED",
        _ => $"0x{code:x}",
    };
}
