using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Grpc.Core;

namespace MeshProxy.SampleBackends.Faults;

/// <summary>
/// Parses the <c>--fault</c> knob. Grammar:
/// <code>
/// fault   = method ":" setting *( "," setting )
/// method  = "*" | ["/"] service "/" ( name | "*" )
/// setting = "status=" ( NAME | 1*DIGIT ) | "rate=" DECIMAL | "first=" 1*DIGIT | "after-messages=" 1*DIGIT
///         | "latency=" DECIMAL ( "ms" | "s" | "m" ) | "message=" *CHAR      ; message takes the rest, commas included
/// </code>
/// </summary>
internal static class FaultRuleParser
{
    public static bool TryParse(string spec, [NotNullWhen(true)] out FaultRule? rule, [NotNullWhen(false)] out string? error)
    {
        rule = null;
        var colon = spec.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == spec.Length - 1)
        {
            error = $"Fault '{spec}' must read METHOD:KEY=VALUE[,KEY=VALUE...].";
            return false;
        }

        if (!TryParseMethod(spec[..colon].Trim(), out var method, out error))
        {
            return false;
        }

        StatusCode? status = null;
        string? message = null;
        double? rate = null;
        int? first = null;
        var afterMessages = 0;
        var latency = TimeSpan.Zero;
        var rest = spec[(colon + 1)..];
        while (rest.Length > 0)
        {
            var equals = rest.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                error = $"Fault '{spec}': setting '{rest}' must read KEY=VALUE.";
                return false;
            }

            var key = rest[..equals].Trim();
            string value;
            if (key.Equals("message", StringComparison.OrdinalIgnoreCase))
            {
                // A message may hold commas, so it runs to the end.
                value = rest[(equals + 1)..];
                rest = string.Empty;
            }
            else
            {
                var comma = rest.IndexOf(',', equals);
                value = (comma < 0 ? rest[(equals + 1)..] : rest[(equals + 1)..comma]).Trim();
                rest = comma < 0 ? string.Empty : rest[(comma + 1)..];
            }

            switch (key.ToLowerInvariant())
            {
                case "status":
                    if (!TryParseStatus(value, out var code))
                    {
                        error = $"Fault '{spec}': status '{value}' is not a gRPC status name or number other than OK.";
                        return false;
                    }

                    status = code;
                    break;
                case "rate":
                    if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var r) || r is < 0 or > 1 || double.IsNaN(r))
                    {
                        error = $"Fault '{spec}': rate '{value}' must be a number from 0 to 1.";
                        return false;
                    }

                    rate = r;
                    break;
                case "first":
                    if (!TryParseCount(value, out var f))
                    {
                        error = $"Fault '{spec}': first '{value}' must be a whole number of calls, 0 or more.";
                        return false;
                    }

                    first = f;
                    break;
                case "after-messages":
                    if (!TryParseCount(value, out afterMessages))
                    {
                        error = $"Fault '{spec}': after-messages '{value}' must be a whole number of messages, 0 or more.";
                        return false;
                    }

                    break;
                case "latency":
                    if (!TryParseDuration(value, out latency))
                    {
                        error = $"Fault '{spec}': latency '{value}' must be a duration such as 200ms, 1.5s or 1m.";
                        return false;
                    }

                    break;
                case "message":
                    message = value;
                    break;
                default:
                    error = $"Fault '{spec}': unknown key '{key}'; use status, rate, first, after-messages, latency or message.";
                    return false;
            }
        }

        if (rate is not null && first is not null)
        {
            error = $"Fault '{spec}': rate and first cannot be combined; a rule selects calls by one of them.";
            return false;
        }

        if (status is null && latency == TimeSpan.Zero)
        {
            error = $"Fault '{spec}' does nothing: give a status, a latency or both.";
            return false;
        }

        rule = new FaultRule
        {
            Method = method,
            Status = status,
            Message = message,
            Rate = rate,
            First = first,
            AfterMessages = afterMessages,
            Latency = latency,
        };
        error = null;
        return true;
    }

    /// <summary>Normalises a method pattern to "*", "/pkg.Svc/*" or "/pkg.Svc/Method".</summary>
    public static bool TryParseMethod(string pattern, [NotNullWhen(true)] out string? method, [NotNullWhen(false)] out string? error)
    {
        method = null;
        if (pattern == "*")
        {
            method = pattern;
            error = null;
            return true;
        }

        var trimmed = pattern.StartsWith('/') ? pattern[1..] : pattern;
        var slash = trimmed.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == trimmed.Length - 1 || trimmed.IndexOf('/', slash + 1) >= 0 || trimmed.Contains(' ', StringComparison.Ordinal))
        {
            error = $"Fault method '{pattern}' must be /pkg.Service/Method, pkg.Service/Method, pkg.Service/* or *.";
            return false;
        }

        method = "/" + trimmed;
        error = null;
        return true;
    }

    public static bool TryParseStatus(string value, out StatusCode code)
    {
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            code = (StatusCode)number;
            return number is > 0 and <= (int)StatusCode.Unauthenticated;
        }

        // Accept both the spec's names (DEADLINE_EXCEEDED) and the enum's (DeadlineExceeded).
        var name = value.Replace("_", string.Empty, StringComparison.Ordinal);
        return Enum.TryParse(name, ignoreCase: true, out code) && Enum.IsDefined(code) && code != StatusCode.OK;
    }

    private static bool TryParseCount(string value, out int count) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out count);

    private static bool TryParseDuration(string value, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var (number, scale) = value switch
        {
            _ when value.EndsWith("ms", StringComparison.OrdinalIgnoreCase) => (value[..^2], 1.0),
            _ when value.EndsWith('s') || value.EndsWith('S') => (value[..^1], 1000.0),
            _ when value.EndsWith('m') || value.EndsWith('M') => (value[..^1], 60_000.0),
            _ => (value, 1.0),
        };
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount) || amount * scale > int.MaxValue)
        {
            return false;
        }

        duration = TimeSpan.FromMilliseconds(amount * scale);
        return true;
    }
}
