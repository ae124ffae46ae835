namespace MeshProxy.SampleBackends.CommandLine;

/// <summary>The parsed command line: options to start with, or the errors that prevent it.</summary>
internal sealed record CommandLineResult(SampleBackendOptions Options, IReadOnlyList<string> Errors, bool HelpRequested);
