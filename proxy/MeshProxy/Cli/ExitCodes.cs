namespace MeshProxy.Cli;

/// <summary>Process exit codes of every subcommand.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>A runtime or validation failure.</summary>
    public const int Failure = 1;

    /// <summary>The command line itself is wrong.</summary>
    public const int Usage = 2;
}
