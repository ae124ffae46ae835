using System.Collections.Concurrent;

namespace MeshProxy.FunctionalTests.Interop;

/// <summary>
/// How each call tagged with <see cref="TestIdHeader"/> ended on the grpc-dotnet server: "deadline" once its deadline
/// had passed, else "cancelled". The "cancel-seen:&lt;id&gt;" call reads it, as on the grpc-js server.
/// </summary>
public sealed class CancellationLog
{
    public const string TestIdHeader = "x-test-id";

    private readonly ConcurrentDictionary<string, TaskCompletionSource<string>> _seen = new();

    public void Record(string testId, DateTime deadline) =>
        For(testId).TrySetResult(deadline != DateTime.MaxValue && DateTime.UtcNow >= deadline.AddMilliseconds(-5) ? "deadline" : "cancelled");

    public Task<string> WaitAsync(string testId, CancellationToken cancellationToken) => For(testId).Task.WaitAsync(cancellationToken);

    private TaskCompletionSource<string> For(string testId) =>
        _seen.GetOrAdd(testId, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));
}
