using Grpc.Core;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.SampleBackends;

internal static class GrpcAssert
{
    /// <summary>Awaits a call that must fail with <paramref name="code"/>, and returns its exception.</summary>
    public static async Task<RpcException> FailsWith(StatusCode code, Func<Task> call)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(call).DefaultTimeout();
        Assert.True(code == ex.StatusCode, $"Expected {code}, got {ex.Status}.");
        return ex;
    }

    /// <summary>Reads a response stream to its end.</summary>
    public static async Task<List<T>> ReadAllAsync<T>(IAsyncStreamReader<T> stream)
        where T : class
    {
        var items = new List<T>();
        while (await stream.MoveNext().DefaultTimeout())
        {
            items.Add(stream.Current);
        }

        return items;
    }
}
