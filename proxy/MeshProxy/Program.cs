namespace MeshProxy;

internal static class Program
{
    private static int Main()
    {
        Console.Error.WriteLine("meshproxy: not built yet.");
        return 1;
    }
}
