namespace MeshProxy.Configuration;

/// <summary>How spans are sent to the OTLP collector.</summary>
internal enum OtlpProtocol
{
    /// <summary>OTLP/gRPC (<c>grpc</c>), usually port 4317.</summary>
    Grpc,

    /// <summary>OTLP/HTTP with protobuf bodies (<c>http/protobuf</c>), usually port 4318; spans go to <c>/v1/traces</c>.</summary>
    HttpProtobuf,
}
