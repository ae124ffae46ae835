using System.Collections.Concurrent;

namespace MeshProxy.SampleBackends.Faults;

/// <summary>
/// The fault rules of a running backend, changeable at any time from any thread. Each call takes the most specific
/// rule matching its method ("/pkg.Svc/Method", then "/pkg.Svc/*", then "*"; the latest added wins a tie), and that
/// rule decides whether the call is selected. <c>first=N</c> counts per rule and method, so every method of a
/// wildcard rule fails its own first N calls; replacing the rules starts the counts again.
/// </summary>
internal sealed class FaultInjector
{
    private readonly Random _random;
    private readonly Lock _lock = new();
    private volatile ActiveRule[] _rules = [];

    public FaultInjector(Random random) => _random = random;

    /// <summary>The rules in the order they were added.</summary>
    public IReadOnlyList<FaultRule> Rules => [.. _rules.Select(r => r.Rule)];

    /// <summary>Adds a rule parsed from the <c>--fault</c> syntax; throws <see cref="ArgumentException"/> when it is malformed.</summary>
    public void Add(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!FaultRuleParser.TryParse(spec, out var rule, out var error))
        {
            throw new ArgumentException(error, nameof(spec));
        }

        Add(rule);
    }

    public void Add(FaultRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var active = new ActiveRule(Normalize(rule));
        lock (_lock)
        {
            _rules = [.. _rules, active];
        }
    }

    /// <summary>Replaces every rule.</summary>
    public void Set(IEnumerable<FaultRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var active = rules.Select(r => new ActiveRule(Normalize(r))).ToArray();
        lock (_lock)
        {
            _rules = active;
        }
    }

    /// <summary>Removes the rules whose method pattern is <paramref name="method"/>; true when one was removed.</summary>
    public bool Remove(string method)
    {
        if (!FaultRuleParser.TryParseMethod(method, out var normalized, out var error))
        {
            throw new ArgumentException(error, nameof(method));
        }

        lock (_lock)
        {
            var kept = _rules.Where(r => r.Rule.Method != normalized).ToArray();
            var removed = kept.Length != _rules.Length;
            _rules = kept;
            return removed;
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _rules = [];
        }
    }

    /// <summary>The rule that applies to this call of <paramref name="method"/> ("/pkg.Svc/Method"), or null to answer normally.</summary>
    public FaultRule? Select(string method)
    {
        var rules = _rules;
        if (rules.Length == 0)
        {
            return null;
        }

        ActiveRule? best = null;
        var bestRank = 0;
        foreach (var rule in rules)
        {
            var rank = Rank(rule.Rule.Method, method);
            if (rank > 0 && rank >= bestRank)
            {
                best = rule;
                bestRank = rank;
            }
        }

        if (best is null)
        {
            return null;
        }

        var selected = best.Rule switch
        {
            { First: { } first } => best.Count(method) <= first,
            { Rate: { } rate } => NextDouble() < rate,
            _ => true,
        };
        return selected ? best.Rule : null;
    }

    private double NextDouble()
    {
        // Random is not thread-safe; the lock also keeps a seeded sequence reproducible for calls made one after another.
        lock (_lock)
        {
            return _random.NextDouble();
        }
    }

    /// <summary>0 when the pattern does not match; otherwise higher for more specific patterns.</summary>
    private static int Rank(string pattern, string method)
    {
        if (pattern == "*")
        {
            return 1;
        }

        if (pattern.EndsWith("/*", StringComparison.Ordinal))
        {
            var service = pattern.AsSpan(0, pattern.Length - 1);
            return method.AsSpan().StartsWith(service, StringComparison.Ordinal) && method.IndexOf('/', service.Length) < 0 ? 2 : 0;
        }

        return string.Equals(pattern, method, StringComparison.Ordinal) ? 3 : 0;
    }

    private static FaultRule Normalize(FaultRule rule)
    {
        if (!FaultRuleParser.TryParseMethod(rule.Method, out var method, out var error))
        {
            throw new ArgumentException(error, nameof(rule));
        }

        if (rule.Rate is < 0 or > 1 || rule.First < 0 || rule.AfterMessages < 0 || rule.Latency < TimeSpan.Zero)
        {
            throw new ArgumentException($"Fault on {rule.Method}: rate must be in [0, 1] and first, after-messages and latency not negative.", nameof(rule));
        }

        if (rule.Rate is not null && rule.First is not null)
        {
            throw new ArgumentException($"Fault on {rule.Method}: rate and first cannot be combined.", nameof(rule));
        }

        return rule with { Method = method };
    }

    private sealed class ActiveRule(FaultRule rule)
    {
        private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

        public FaultRule Rule { get; } = rule;

        public int Count(string method) => _counts.AddOrUpdate(method, 1, static (_, n) => n == int.MaxValue ? n : n + 1);
    }
}
