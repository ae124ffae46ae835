using MeshProxy.Fuzz;
using SharpFuzz;

// Usage: MeshProxy.Fuzz TARGET            run under afl-fuzz (fuzz/run.sh); outside afl++ one input from stdin
//        MeshProxy.Fuzz TARGET FILE...    run each file once (replaying a crash afl++ saved) and say which failed;
//                                         only on a build that is not instrumented (instrumented code needs afl++'s
//                                         coverage map, which Fuzzer.Run sets up, and faults without it)
if (args.Length == 0 || FuzzTargets.Find(args[0]) is not { } target)
{
    Console.Error.WriteLine($"usage: MeshProxy.Fuzz TARGET [FILE...]; targets: {string.Join(", ", FuzzTargets.Names)}");
    return 2;
}

if (args.Length > 1)
{
    var failed = 0;
    foreach (var file in args.Skip(1))
    {
        try
        {
            target.Run(File.ReadAllBytes(file));
        }
        catch (Exception ex)
        {
            failed++;
            Console.Error.WriteLine($"{file}: {ex}");
        }
    }

    return failed == 0 ? 0 : 1;
}

// Whatever the targets share (descriptor sets, the sample rule table) loads on the first input, inside Fuzzer.Run.
Fuzzer.Run(stream =>
{
    using var copy = new MemoryStream();
    stream.CopyTo(copy);
    target.Run(copy.GetBuffer().AsSpan(0, (int)copy.Length));
});
return 0;
