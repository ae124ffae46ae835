using System.Runtime.CompilerServices;

namespace MeshProxy.TestSupport;

/// <summary>Every await in a test is bounded; a timeout names the line that waited.</summary>
public static class TaskTimeoutExtensions
{
    /// <summary>The default bound for one awaited step of a test.</summary>
    public static readonly TimeSpan DefaultTimeoutSpan = TimeSpan.FromSeconds(30);

    public static async Task<T> DefaultTimeout<T>(this Task<T> task, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        try
        {
            return await task.WaitAsync(DefaultTimeoutSpan).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"Timed out after {DefaultTimeoutSpan} at {Path.GetFileName(file)}:{line}.", ex);
        }
    }

    public static async Task DefaultTimeout(this Task task, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        try
        {
            await task.WaitAsync(DefaultTimeoutSpan).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"Timed out after {DefaultTimeoutSpan} at {Path.GetFileName(file)}:{line}.", ex);
        }
    }

    public static Task<T> DefaultTimeout<T>(this ValueTask<T> task, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        task.AsTask().DefaultTimeout(file, line);

    public static Task DefaultTimeout(this ValueTask task, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        task.AsTask().DefaultTimeout(file, line);
}
