using Microsoft.Extensions.Logging;

namespace MeshProxy.Tests.Configuration.Reload;

/// <summary>Keeps every log entry so a test can assert what an operator would read.</summary>
internal sealed class CapturingLogger<T> : ILogger<T>
{
    private readonly Lock _lock = new();
    private readonly List<(LogLevel Level, string EventName, string Message)> _entries = [];

    public IReadOnlyList<(LogLevel Level, string EventName, string Message)> Entries
    {
        get
        {
            lock (_lock)
            {
                return [.. _entries];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_lock)
        {
            _entries.Add((logLevel, eventId.Name ?? string.Empty, formatter(state, exception)));
        }
    }
}
