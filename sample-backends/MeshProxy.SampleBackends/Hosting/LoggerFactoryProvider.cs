using Microsoft.Extensions.Logging;

namespace MeshProxy.SampleBackends.Hosting;

/// <summary>Lends a configured <see cref="ILoggerFactory"/> to a host as a provider; the factory's owner disposes it.</summary>
internal sealed class LoggerFactoryProvider(ILoggerFactory factory) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => factory.CreateLogger(categoryName);

    public void Dispose()
    {
    }
}
