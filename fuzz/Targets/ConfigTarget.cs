using System.Text;
using MeshProxy.Configuration;

namespace MeshProxy.Fuzz.Targets;

/// <summary>
/// The YAML config loader. Invariant: any text gives a config or a list of errors, each naming its path; nothing
/// escapes but <see cref="ConfigLoadException"/>.
/// </summary>
internal sealed class ConfigTarget : FuzzTarget
{
    public override string Name => "config";

    public override void Run(ReadOnlySpan<byte> input)
    {
        ConfigLoadResult result;
        try
        {
            result = ConfigLoader.Load(Encoding.UTF8.GetString(input));
        }
        catch (ConfigLoadException)
        {
            return;
        }

        Check(result.Succeeded || result.Errors.Count > 0, "a failed load without an error");
        Check(result.Errors.All(e => e.Message.Length > 0), "an error without a message");
    }
}
