using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace MeshProxy.TestSupport;

/// <summary>
/// A small descriptor set whose methods carry <c>option idempotency_level</c>: <c>/idem.v1.IdemService/Get</c>
/// (NO_SIDE_EFFECTS), <c>/idem.v1.IdemService/Put</c> (IDEMPOTENT) and <c>/idem.v1.IdemService/Create</c> (none).
/// Messages are google.protobuf.Empty, which the loader has compiled in.
/// </summary>
public static class IdempotencyDescriptors
{
    public const string Get = "/idem.v1.IdemService/Get";

    public const string Put = "/idem.v1.IdemService/Put";

    public const string Create = "/idem.v1.IdemService/Create";

    public static byte[] Set()
    {
        var service = new ServiceDescriptorProto { Name = "IdemService" };
        service.Method.Add(Method("Get", MethodOptions.Types.IdempotencyLevel.NoSideEffects));
        service.Method.Add(Method("Put", MethodOptions.Types.IdempotencyLevel.Idempotent));
        service.Method.Add(Method("Create", level: null));
        var file = new FileDescriptorProto { Name = "idem/v1/idem.proto", Package = "idem.v1", Syntax = "proto3" };
        file.Dependency.Add("google/protobuf/empty.proto");
        file.Service.Add(service);
        var set = new FileDescriptorSet();
        set.File.Add(file);
        return set.ToByteArray();
    }

    private static MethodDescriptorProto Method(string name, MethodOptions.Types.IdempotencyLevel? level)
    {
        var method = new MethodDescriptorProto { Name = name, InputType = ".google.protobuf.Empty", OutputType = ".google.protobuf.Empty" };
        if (level is { } value)
        {
            method.Options = new MethodOptions { IdempotencyLevel = value };
        }

        return method;
    }
}
