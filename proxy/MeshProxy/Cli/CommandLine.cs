namespace MeshProxy.Cli;

/// <summary>
/// Subcommand dispatch in the manner of <c>envoy</c>/<c>linkerd</c>: <c>meshproxy SUBCOMMAND ARGS...</c>, with
/// <c>run</c> as the default when the first argument is an option. A command is a name and a delegate, so adding
/// one is one dictionary entry.
/// </summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, Func<string[], CommandContext, Task<int>>> _commands = new(StringComparer.Ordinal);

    public static CommandLine CreateDefault()
    {
        var commandLine = new CommandLine();
        commandLine.Add("run", RunCommand.RunAsync);
        commandLine.Add("validate", (args, context) => Task.FromResult(ValidateCommand.Run(args, context)));
        commandLine.Add("demo", DemoCommand.RunAsync);
        commandLine.Add("canary", (args, context) => Task.FromResult(CanaryCommand.Run(args, context)));
        commandLine.Add("inject", (args, context) => InjectCommand.RunAsync(args, System.Console.In, context));
        // convert speaks bytes, not text, so it takes the process's raw standard streams.
        commandLine.Add("convert", (args, context) =>
            ConvertCommand.RunAsync(args, System.Console.OpenStandardInput(), System.Console.OpenStandardOutput(), context.Error));
        // call reads its -d @- input as bytes and prints text, flushed per response message.
        commandLine.Add("call", (args, context) =>
            CallCommand.RunAsync(args, System.Console.OpenStandardInput(), context.Out, context.Error, context.Cancellation));
        return commandLine;
    }

    public IReadOnlyCollection<string> Names => _commands.Keys;

    public void Add(string name, Func<string[], CommandContext, Task<int>> command) => _commands.Add(name, command);

    public Task<int> RunAsync(string[] args, CommandContext context)
    {
        if (args.Length > 0 && args[0] is "--help" or "-h" or "help")
        {
            context.Out.Write(HelpText.Usage);
            return Task.FromResult(ExitCodes.Ok);
        }

        // No subcommand (nothing, or an option first) means run, as `envoy -c FILE` does.
        if (args.Length == 0 || args[0].StartsWith('-'))
        {
            return _commands["run"](args, context);
        }

        if (_commands.TryGetValue(args[0], out var command))
        {
            return command(args[1..], context);
        }

        context.Error.WriteLine($"meshproxy: unknown command '{args[0]}'.");
        context.Error.Write(HelpText.Usage);
        return Task.FromResult(ExitCodes.Usage);
    }
}
