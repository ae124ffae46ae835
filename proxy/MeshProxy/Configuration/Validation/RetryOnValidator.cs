namespace MeshProxy.Configuration.Validation;

/// <summary>Every <c>retry.retryOn</c> entry is a known name; the error lists the valid ones.</summary>
internal sealed class RetryOnValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        for (var i = 0; i < config.Routes.Count; i++)
        {
            var names = config.Routes[i].Retry.RetryOn;
            for (var j = 0; j < names.Count; j++)
            {
                if (!RetryOnNames.TryParse(names[j], out _))
                {
                    errors.Add($"{ConfigPaths.Route(i)}.retry.retryOn[{j}]", $"unknown retryOn '{names[j]}'; supported: {RetryOnNames.Supported}");
                }
            }
        }
    }
}
