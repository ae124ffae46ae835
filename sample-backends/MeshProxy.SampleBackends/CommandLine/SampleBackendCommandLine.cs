using System.Globalization;
using System.Net;
using MeshProxy.SampleBackends.Faults;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace MeshProxy.SampleBackends.CommandLine;

/// <summary>
/// Parses the agreed command line into <see cref="SampleBackendOptions"/>, collecting every error. Each flag takes its
/// value as the next argument or after "=" (<c>--port 0</c>, <c>--port=0</c>).
/// </summary>
internal static class SampleBackendCommandLine
{
    public const string Usage = """
        Usage: MeshProxy.SampleBackends [options]
          --port N                 TCP port; 0 picks a free one (default 50051)
          --address IP             IP address to listen on (default 127.0.0.1)
          --version LABEL          sent in the x-backend-version header of every reply (default v1)
          --fault METHOD:KEY=VALUE[,KEY=VALUE...]
                                   inject faults (repeatable). METHOD: /pkg.Svc/Method, pkg.Svc/Method, pkg.Svc/* or *.
                                   KEY: status=NAME|NUMBER, rate=0.25 or first=N (which calls), after-messages=N,
                                   latency=200ms, message=TEXT (last: takes the rest, commas included)
          --seed N                 seeds rate faults for a reproducible run
          --health [SERVICE=]STATUS
                                   start with a serving status: serving or not-serving, for one service or all
          --help                   print this text
        """;

    public static CommandLineResult Parse(IReadOnlyList<string> args)
    {
        var errors = new List<string>();
        var options = new SampleBackendOptions();
        var faults = new List<FaultRule>();
        var health = new Dictionary<string, ServingStatus>(StringComparer.Ordinal);
        var help = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "--help" or "-h" or "-?")
            {
                help = true;
                continue;
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = arg.StartsWith("--", StringComparison.Ordinal) && equals > 0 ? arg[..equals] : arg;
            if (name is not ("--port" or "--address" or "--version" or "--fault" or "--seed" or "--health"))
            {
                errors.Add($"Unknown argument '{arg}'.");
                continue;
            }

            string value;
            if (equals > 0 && name.Length < arg.Length)
            {
                value = arg[(equals + 1)..];
            }
            else if (i + 1 < args.Count)
            {
                value = args[++i];
            }
            else
            {
                errors.Add($"{name} needs a value.");
                continue;
            }

            switch (name)
            {
                case "--port":
                    if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= IPEndPoint.MaxPort)
                    {
                        options = options with { Port = port };
                    }
                    else
                    {
                        errors.Add($"--port '{value}' must be a number from 0 to 65535.");
                    }

                    break;
                case "--address":
                    if (IPAddress.TryParse(value, out _))
                    {
                        options = options with { Address = value };
                    }
                    else
                    {
                        errors.Add($"--address '{value}' is not an IP address.");
                    }

                    break;
                case "--version":
                    if (value.Length > 0 && value.All(c => c is > ' ' and <= '~'))
                    {
                        options = options with { Version = value };
                    }
                    else
                    {
                        errors.Add($"--version '{value}' must be non-empty printable ASCII without spaces.");
                    }

                    break;
                case "--fault":
                    if (FaultRuleParser.TryParse(value, out var rule, out var error))
                    {
                        faults.Add(rule);
                    }
                    else
                    {
                        errors.Add("--fault: " + error);
                    }

                    break;
                case "--seed":
                    if (int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seed))
                    {
                        options = options with { Seed = seed };
                    }
                    else
                    {
                        errors.Add($"--seed '{value}' must be a whole number.");
                    }

                    break;
                default:
                    ParseHealth(value, health, errors);
                    break;
            }
        }

        options = options with { Faults = faults, Health = health };
        return new CommandLineResult(options, errors, help);
    }

    private static void ParseHealth(string value, Dictionary<string, ServingStatus> health, List<string> errors)
    {
        var equals = value.LastIndexOf('=');
        var statusText = equals < 0 ? value : value[(equals + 1)..];
        ServingStatus status;
        switch (statusText.ToLowerInvariant())
        {
            case "serving":
                status = ServingStatus.Serving;
                break;
            case "not-serving" or "not_serving":
                status = ServingStatus.NotServing;
                break;
            default:
                errors.Add($"--health '{value}': status must be serving or not-serving.");
                return;
        }

        if (equals < 0)
        {
            // No service named: the whole server and every service.
            health[string.Empty] = status;
            foreach (var service in SampleBackend.ServiceNames)
            {
                health[service] = status;
            }

            return;
        }

        health[value[..equals]] = status;
    }
}
