using System.Diagnostics.CodeAnalysis;
using Google.Protobuf.Reflection;
using MeshProxy.Transcoding.Descriptors;

namespace MeshProxy.Cli.Call;

/// <summary>
/// Finds a method in the descriptor pool from any of the spellings grpcurl and gRPC paths use:
/// <c>pkg.Service/Method</c>, <c>/pkg.Service/Method</c> or <c>pkg.Service.Method</c>.
/// </summary>
internal static class MethodResolver
{
    private const int MaxSuggestions = 5;

    public static bool TryResolve(DescriptorPool pool, string text, [NotNullWhen(true)] out MethodDescriptor? method, out string? error)
    {
        method = null;
        if (!TrySplit(text, out var serviceName, out var methodName, out error))
        {
            return false;
        }

        var service = pool.FindService(serviceName);
        method = service?.FindMethodByName(methodName);
        if (method is not null)
        {
            return true;
        }

        var all = pool.Services.SelectMany(s => s.Methods).Select(m => m.Service.FullName + "/" + m.Name).ToList();
        var wanted = serviceName + "/" + methodName;
        var close = all
            .Select(candidate => (candidate, distance: Distance(candidate, wanted)))
            .Where(c => c.distance <= Math.Max(3, wanted.Length / 4)
                || c.candidate.EndsWith("/" + methodName, StringComparison.OrdinalIgnoreCase)
                || (service is not null && c.candidate.StartsWith(service.FullName + "/", StringComparison.Ordinal)))
            .OrderBy(c => c.distance)
            .ThenBy(c => c.candidate, StringComparer.Ordinal)
            .Take(MaxSuggestions)
            .Select(c => c.candidate)
            .ToList();
        error = (service is null ? $"unknown service '{serviceName}'" : $"service '{serviceName}' has no method '{methodName}'")
            + (close.Count > 0 ? "; did you mean: " + string.Join(", ", close) : $"; the descriptor set has {all.Count} methods");
        return false;
    }

    /// <summary>The service and method names of any accepted spelling, or why the text is not a method name.</summary>
    public static bool TrySplit(string text, [NotNullWhen(true)] out string? service, [NotNullWhen(true)] out string? method, out string? error)
    {
        (service, method, error) = (null, null, null);
        var name = text.TrimStart('/');
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        var split = slash >= 0 ? slash : name.LastIndexOf('.');
        if (split <= 0 || split == name.Length - 1 || name.IndexOf('/', split + 1) >= 0)
        {
            error = $"'{text}' is not a method name; write pkg.Service/Method";
            return false;
        }

        (service, method) = (name[..split], name[(split + 1)..]);
        return true;
    }

    /// <summary>Case-insensitive Levenshtein distance; names are short, so the two-row form is plenty.</summary>
    internal static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
