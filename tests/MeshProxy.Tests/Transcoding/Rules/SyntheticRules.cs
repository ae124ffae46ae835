using Google.Api;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using MeshProxy.Transcoding.Descriptors;
using MeshProxy.Transcoding.Rules;

namespace MeshProxy.Tests.Transcoding.Rules;

/// <summary>
/// Builds a descriptor pool whose one extra service, <c>synthetic.Svc</c>, has the methods and HttpRules a test gives
/// (messages come from transcoding.proto), so tests can write rules, including broken ones, without a .proto file.
/// </summary>
internal static class SyntheticRules
{
    public const string Service = "synthetic.Svc";

    public static DescriptorPool Pool(params (string Method, string Input, HttpRule? Rule)[] methods) => DescriptorPool.Load(SetBytes(methods));

    /// <summary>The descriptor set file (the built one plus <c>synthetic/svc.proto</c>) as bytes.</summary>
    public static byte[] SetBytes(params (string Method, string Input, HttpRule? Rule)[] methods)
    {
        var full = FileDescriptorSet.Parser.ParseFrom(File.ReadAllBytes(CodecTestData.DescriptorSetPath));
        var file = new FileDescriptorProto
        {
            Name = "synthetic/svc.proto",
            Package = "synthetic",
            Syntax = "proto3",
            Dependency = { "google/api/annotations.proto", "meshproxy/testing/v1/transcoding.proto" },
        };
        var service = new ServiceDescriptorProto { Name = "Svc" };
        foreach (var (method, input, rule) in methods)
        {
            var proto = new MethodDescriptorProto
            {
                Name = method,
                InputType = input.StartsWith('.') ? input : $".meshproxy.testing.v1.{input}",
                OutputType = ".meshproxy.testing.v1.Book",
            };
            if (rule is not null)
            {
                proto.Options = new MethodOptions();
                proto.Options.SetExtension(AnnotationsExtensions.Http, rule);
            }

            service.Method.Add(proto);
        }

        file.Service.Add(service);
        full.File.Add(file);
        return full.ToByteArray();
    }

    public static HttpRuleTable Table(out IReadOnlyList<string> errors, params (string Method, string Input, HttpRule? Rule)[] methods) =>
        HttpRuleTableBuilder.Build(Pool(methods), new HttpRuleOptions { Services = [Service] }, out errors);

    public static HttpRuleTable Table(params (string Method, string Input, HttpRule? Rule)[] methods)
    {
        var table = Table(out var errors, methods);
        Assert.Empty(errors);
        return table;
    }

    public static HttpRule Get(string template) => new() { Get = template };
}
