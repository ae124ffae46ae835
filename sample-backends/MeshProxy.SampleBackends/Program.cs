namespace MeshProxy.SampleBackends;

internal static class Program
{
    private static int Main()
    {
        Console.Error.WriteLine("The sample backends are not built yet.");
        return 1;
    }
}
