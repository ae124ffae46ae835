using System.Globalization;

namespace MeshProxy.Grpc;

/// <summary>
/// The grpc-timeout header: at most 8 ASCII digits and a unit (H, M, S, m, u, n), per PROTOCOL-HTTP2.md.
/// </summary>
public static class GrpcTimeout
{
    private const long MaxValue = 99_999_999;

    /// <summary>Parses a grpc-timeout value; false for anything outside the grammar.</summary>
    public static bool TryParse(ReadOnlySpan<char> value, out TimeSpan timeout)
    {
        timeout = default;
        if (value.Length is < 2 or > 9)
        {
            return false;
        }

        var digits = value[..^1];
        foreach (var c in digits)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        var amount = long.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        long ticks;
        switch (value[^1])
        {
            case 'H': ticks = amount * TimeSpan.TicksPerHour; break;
            case 'M': ticks = amount * TimeSpan.TicksPerMinute; break;
            case 'S': ticks = amount * TimeSpan.TicksPerSecond; break;
            case 'm': ticks = amount * TimeSpan.TicksPerMillisecond; break;
            case 'u': ticks = amount * (TimeSpan.TicksPerMillisecond / 1000); break;
            // A tick is 100 ns: round up so a tiny positive timeout never becomes zero.
            case 'n': ticks = (amount + 99) / 100; break;
            default: return false;
        }

        timeout = TimeSpan.FromTicks(ticks);
        return true;
    }

    /// <summary>
    /// Formats a timeout in the finest unit that keeps it within 8 digits, rounding up so a deadline is never shortened
    /// below what remains; non-positive timeouts become "1n" (already expired for any receiver).
    /// </summary>
    public static string Format(TimeSpan timeout)
    {
        if (timeout <= TimeSpan.Zero)
        {
            return "1n";
        }

        var ticks = timeout.Ticks;
        // Candidates from finest to coarsest: nanoseconds, microseconds, milliseconds, seconds, minutes, hours.
        if (ticks <= MaxValue / 100)
        {
            return Unit(ticks * 100, 'n');
        }

        ReadOnlySpan<(long TicksPerUnit, char Unit)> units =
        [
            (TimeSpan.TicksPerMillisecond / 1000, 'u'),
            (TimeSpan.TicksPerMillisecond, 'm'),
            (TimeSpan.TicksPerSecond, 'S'),
            (TimeSpan.TicksPerMinute, 'M'),
            (TimeSpan.TicksPerHour, 'H'),
        ];
        foreach (var (perUnit, unit) in units)
        {
            var amount = (ticks + perUnit - 1) / perUnit;
            if (amount <= MaxValue)
            {
                return Unit(amount, unit);
            }
        }

        return Unit(MaxValue, 'H');
    }

    private static string Unit(long amount, char unit) => amount.ToString(CultureInfo.InvariantCulture) + unit;
}
