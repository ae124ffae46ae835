namespace MeshProxy.Cli;

/// <summary>The streams a command talks to; the console in production, buffers in tests.</summary>
internal sealed record CommandContext(TextWriter Out, TextWriter Error, CancellationToken Cancellation)
{
    public static CommandContext Console(CancellationToken cancellation) =>
        new(System.Console.Out, System.Console.Error, cancellation);
}
