using MeshProxy.Cli;
using MeshProxy.Hosting;

namespace MeshProxy.FunctionalTests.Cli;

/// <summary>Every call the demo prints works against the demo's routing and prints the data it promises.</summary>
public sealed class DemoCallsTests(DemoStackFixture stack) : IClassFixture<DemoStackFixture>
{
    public static TheoryData<int> Indexes => [.. Enumerable.Range(0, DemoCalls.All.Count)];

    [Theory]
    [MemberData(nameof(Indexes))]
    public async Task DemoCall_AgainstDemoRouting_ExitsZeroWithExpectedData(int index)
    {
        var call = DemoCalls.All[index];

        var result = await CallRunner.RunAsync(call.Arguments(stack.Proxy.Address(ListenerName.Grpc).Authority));

        Assert.True(result.ExitCode == ExitCodes.Ok, $"{call.Description}\n{result}");
        Assert.NotEmpty(result.Documents());
        Assert.All(call.ExpectedStdout, expected => Assert.Contains(expected, result.Stdout, StringComparison.Ordinal));
        Assert.All(call.ExpectedStderr, expected => Assert.Contains(expected, result.Stderr, StringComparison.Ordinal));
    }

    [Fact]
    public void PrintedLines_RunTheseArgumentsThroughTheShell()
    {
        // The printed line, split as a POSIX shell would, gives back exactly the arguments the test above runs.
        foreach (var call in DemoCalls.All)
        {
            var line = DemoCalls.Format(call, "meshproxy", "127.0.0.1:7070");
            Assert.Equal(["meshproxy", "call", .. call.Arguments("127.0.0.1:7070")], ShellWords(line));
        }
    }

    /// <summary>A small POSIX word splitter: blanks separate words, single quotes keep everything literal.</summary>
    private static List<string> ShellWords(string line)
    {
        var words = new List<string>();
        var word = new System.Text.StringBuilder();
        var inWord = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '\'')
            {
                var end = line.IndexOf('\'', i + 1);
                word.Append(line, i + 1, end - i - 1);
                i = end;
                inWord = true;
            }
            else if (c == '\\')
            {
                word.Append(line[++i]);
                inWord = true;
            }
            else if (c == ' ')
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }
}
