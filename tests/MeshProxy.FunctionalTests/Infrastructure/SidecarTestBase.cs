using MeshProxy.TestSupport;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.Infrastructure;

/// <summary>Fails a test that caused an error log in the shared sidecar (an unexpected error is a bug).</summary>
public abstract class SidecarTestBase : IDisposable
{
    private readonly int _errorsBefore;

    protected SidecarTestBase(SidecarFixture fixture, ITestOutputHelper output)
    {
        Fixture = fixture;
        Output = output;
        _errorsBefore = fixture.Logs.Errors.Count;
    }

    protected SidecarFixture Fixture { get; }

    protected ITestOutputHelper Output { get; }

    protected Uri Proxy => Fixture.GrpcAddress;

    public void Dispose()
    {
        var errors = Fixture.Logs.Errors.Skip(_errorsBefore).ToArray();
        Assert.True(errors.Length == 0, "Unexpected error logs:\n" + string.Join('\n', errors));
        GC.SuppressFinalize(this);
    }
}
