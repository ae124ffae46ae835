using System.Diagnostics;

namespace MeshProxy.TestSupport;

/// <summary>
/// A lock shared by every process on the machine: an exclusively opened file. Test projects run in parallel processes
/// and install the same tools into the same folders, so one installs while the others wait.
/// </summary>
public static class MachineFileLock
{
    /// <summary>How long a caller waits for another process's install before giving up.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(6);

    /// <summary>Holds the lock named by <paramref name="path"/> until the result is disposed.</summary>
    /// <exception cref="IOException">Another process held the lock for longer than <see cref="MaxWait"/>.</exception>
    public static async Task<IDisposable> AcquireAsync(string path)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (waited.Elapsed < MaxWait)
            {
                // Another process holds it; files give no wake-up signal, so look again shortly.
                await Task.Delay(200).ConfigureAwait(false);
            }
        }
    }
}
