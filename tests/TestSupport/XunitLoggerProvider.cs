using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace MeshProxy.TestSupport;

/// <summary>
/// Sends logs to a test's output, and records errors so a test can fail on an unexpected one.
/// </summary>
public sealed class XunitLoggerProvider : ILoggerProvider
{
    private readonly ITestOutputHelper? _output;
    private readonly LogLevel _minLevel;

    public XunitLoggerProvider(ITestOutputHelper? output, LogLevel minLevel = LogLevel.Information)
    {
        _output = output;
        _minLevel = minLevel;
    }

    /// <summary>Every log at Error or above, in order.</summary>
    public ConcurrentQueue<string> Errors { get; } = new();

    /// <summary>Every line logged (whatever the minimum level shown), for tests that look for a message.</summary>
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(XunitLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= provider._minLevel;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = $"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}[{eventId.Name ?? eventId.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)}] {formatter(state, exception)}{(exception is null ? "" : " " + exception)}";
            provider.Lines.Enqueue(line);
            if (logLevel >= LogLevel.Error)
            {
                provider.Errors.Enqueue(line);
            }

            if (!IsEnabled(logLevel))
            {
                return;
            }

            try
            {
                provider._output?.WriteLine(line);
            }
            catch (InvalidOperationException)
            {
                // The test has finished; its output helper no longer accepts lines.
            }
        }
    }
}
