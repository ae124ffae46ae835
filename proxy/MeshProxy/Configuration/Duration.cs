using System.Globalization;

namespace MeshProxy.Configuration;

/// <summary>
/// Durations in config: an integer and a unit, <c>500ms</c>, <c>5s</c>, <c>2m</c>, <c>1h</c> (grammar:
/// <c>-? digit+ ("ms" | "s" | "m" | "h")</c>). A leading minus parses so the validator can say "must not be negative".
/// </summary>
internal static class Duration
{
    public static bool TryParse(ReadOnlySpan<char> text, out TimeSpan value)
    {
        value = default;
        int unitStart = text.Length;
        while (unitStart > 0 && char.IsAsciiLetter(text[unitStart - 1]))
        {
            unitStart--;
        }

        var number = text[..unitStart];
        var unit = text[unitStart..];
        if (number.IsEmpty || !long.TryParse(number, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var amount))
        {
            return false;
        }

        long? millisecondsPerUnit = unit switch
        {
            "ms" => 1,
            "s" => 1000,
            "m" => 60_000,
            "h" => 3_600_000,
            _ => null,
        };
        if (millisecondsPerUnit is not { } factor || Math.Abs(amount) > TimeSpan.MaxValue.TotalMilliseconds / factor / 2)
        {
            return false;
        }

        value = TimeSpan.FromMilliseconds(amount * factor);
        return true;
    }

    public static string Format(TimeSpan value) =>
        value.Ticks % TimeSpan.TicksPerSecond != 0 ? $"{(long)value.TotalMilliseconds}ms"
        : value.Ticks % TimeSpan.TicksPerMinute != 0 ? $"{(long)value.TotalSeconds}s"
        : value.Ticks % TimeSpan.TicksPerHour != 0 ? $"{(long)value.TotalMinutes}m"
        : value == TimeSpan.Zero ? "0s"
        : $"{(long)value.TotalHours}h";
}
