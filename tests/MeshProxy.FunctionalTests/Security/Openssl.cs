using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Security;

/// <summary>
/// Debian's <c>openssl</c> command, an independent TLS stack for the tests: the machine's when the package is installed,
/// otherwise unpacked without root by <see cref="DebianPackages"/> (with the libssl it needs on LD_LIBRARY_PATH).
/// </summary>
internal static class Openssl
{
    private const string Installed = "/usr/bin/openssl";

    public static async Task<ProcessResult> RunAsync(IEnumerable<string> arguments, string workingDirectory, byte[] standardInput)
    {
        var (path, environment) = await LocateAsync().ConfigureAwait(false);
        return await ProcessRunner.RunAsync(path, arguments, workingDirectory, TimeSpan.FromSeconds(30), standardInput, environment).ConfigureAwait(false);
    }

    private static async Task<(string Path, Dictionary<string, string>? Environment)> LocateAsync()
    {
        if (File.Exists(Installed))
        {
            return (Installed, null);
        }

        var install = await DebianPackages.InstallAsync("openssl", Path.Combine("usr", "bin", "openssl")).ConfigureAwait(false);
        return (install.Combine("usr", "bin", "openssl"), new Dictionary<string, string>(install.Environment));
    }
}
