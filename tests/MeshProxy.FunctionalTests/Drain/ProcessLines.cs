using System.Diagnostics;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.Drain;

/// <summary>Reads a child process's stdout line by line; a test awaits the first line containing some text.</summary>
internal sealed class ProcessLines
{
    private readonly object _lock = new();
    private readonly List<string> _lines = [];
    private readonly List<(string Text, TaskCompletionSource<string> Found)> _waiters = [];
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ProcessLines(Process process, ITestOutputHelper output)
    {
        _ = PumpAsync(process.StandardOutput, output);
    }

    /// <summary>Completes with the first line (seen before or later) that contains <paramref name="text"/>.</summary>
    public Task<string> WaitForAsync(string text)
    {
        lock (_lock)
        {
            var seen = _lines.Find(l => l.Contains(text, StringComparison.Ordinal));
            if (seen is not null)
            {
                return Task.FromResult(seen);
            }

            var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((text, found));
            return found.Task;
        }
    }

    private async Task PumpAsync(StreamReader reader, ITestOutputHelper output)
    {
        try
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                try
                {
                    output.WriteLine(line);
                }
                catch (InvalidOperationException)
                {
                    // The test already ended; keep draining so the child never blocks on a full pipe.
                }

                lock (_lock)
                {
                    _lines.Add(line);
                    foreach (var waiter in _waiters.Where(w => line.Contains(w.Text, StringComparison.Ordinal)).ToList())
                    {
                        waiter.Found.TrySetResult(line);
                        _waiters.Remove(waiter);
                    }
                }
            }
        }
        finally
        {
            lock (_lock)
            {
                foreach (var waiter in _waiters)
                {
                    waiter.Found.TrySetException(new InvalidOperationException($"The process ended without printing '{waiter.Text}'."));
                }

                _waiters.Clear();
            }

            _ended.TrySetResult();
        }
    }
}
