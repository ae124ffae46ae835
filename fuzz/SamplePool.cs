using MeshProxy.Transcoding.Descriptors;
using MeshProxy.Transcoding.Rules;

namespace MeshProxy.Fuzz;

/// <summary>The descriptor set the protos project builds (the sample services and meshproxy.testing.v1), loaded once.</summary>
internal static class SamplePool
{
    private static readonly Lazy<DescriptorPool> LazyPool = new(() => DescriptorPool.LoadFile(Path.Combine(AppContext.BaseDirectory, "descriptor-set.pb")));

    private static readonly Lazy<HttpRuleTable> LazyTable = new(() =>
    {
        var table = HttpRuleTableBuilder.Build(Pool, HttpRuleOptions.Default, out var errors);
        if (errors.Count > 0)
        {
            throw new InvalidOperationException($"the sample rules do not load: {string.Join("; ", errors)}");
        }

        return table;
    });

    public static DescriptorPool Pool => LazyPool.Value;

    /// <summary>Every HTTP rule of the sample services.</summary>
    public static HttpRuleTable Table => LazyTable.Value;

    public static MessageType Message(string fullName) =>
        Pool.FindMessage(fullName) ?? throw new InvalidOperationException($"no message {fullName} in the sample descriptor set");
}
