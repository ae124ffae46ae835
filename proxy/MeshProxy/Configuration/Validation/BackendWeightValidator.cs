namespace MeshProxy.Configuration.Validation;

/// <summary>Weights are non-negative and a route's weights are not all zero (it could send nothing anywhere).</summary>
internal sealed class BackendWeightValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        for (var i = 0; i < config.Routes.Count; i++)
        {
            var backends = config.Routes[i].Backends;
            long total = 0;
            for (var b = 0; b < backends.Count; b++)
            {
                if (backends[b].Weight < 0)
                {
                    errors.Add($"{ConfigPaths.Backend(i, b, false)}.weight", $"{backends[b].Weight} is negative");
                }
                else
                {
                    total += backends[b].Weight;
                }
            }

            if (backends.Count > 0 && total == 0 && backends.All(b => b.Weight >= 0))
            {
                errors.Add($"{ConfigPaths.Route(i)}.backends", "all weights are zero");
            }
        }
    }
}
