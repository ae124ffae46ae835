namespace MeshProxy.Configuration.Validation;

/// <summary>One semantic rule of the config; adds an error per violation, naming its path.</summary>
internal interface IConfigValidator
{
    void Validate(MeshProxyConfig config, ConfigErrors errors);
}
