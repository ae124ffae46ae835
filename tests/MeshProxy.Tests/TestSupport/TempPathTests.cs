using MeshProxy.TestSupport;

namespace MeshProxy.Tests.TestSupport;

/// <summary>Tests across the suite rely on <see cref="TempPath"/> to leave nothing behind in the shared temp folder.</summary>
public sealed class TempPathTests
{
    [Fact]
    public void File_Disposed_IsGone()
    {
        var temp = TempPath.File("temppath-test", ".txt");
        File.WriteAllText(temp.Path, "x");

        temp.Dispose();

        Assert.False(File.Exists(temp.Path));
        Assert.StartsWith(Path.Combine(Path.GetTempPath(), "meshproxy-temppath-test-"), temp.Path, StringComparison.Ordinal);
        Assert.EndsWith(".txt", temp.Path, StringComparison.Ordinal);
    }

    [Fact]
    public void Directory_WithAFileInside_Disposed_IsGone()
    {
        var temp = TempPath.Directory("temppath-test");
        Assert.True(Directory.Exists(temp.Path));
        Directory.CreateDirectory(Path.Combine(temp.Path, "sub"));
        File.WriteAllText(Path.Combine(temp.Path, "sub", "file.txt"), "x");

        temp.Dispose();

        Assert.False(Directory.Exists(temp.Path));
    }

    [Fact]
    public void Dispose_AlreadyGone_DoesNotThrow()
    {
        var file = TempPath.File("temppath-test");
        var directory = TempPath.Directory("temppath-test", create: false);

        Assert.False(Directory.Exists(directory.Path));
        file.Dispose();
        directory.Dispose();
        directory.Dispose();
    }
}
