using System.Globalization;
using Microsoft.Diagnostics.Tracing.Etlx;

// meshproxy-bench-tracesummary TRACE.nettrace OUT.tsv
// One line per allocation sample: bytes, type, then the allocating stack innermost first as "module!method" frames,
// tab-separated. bench/lib/allocation_layers.py groups them by layer, as speedscope_layers.py groups CPU samples.
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: meshproxy-bench-tracesummary TRACE.nettrace OUT.tsv");
    return 2;
}

var etlx = TraceLog.CreateFromEventPipeDataFile(args[0]);
using var log = new TraceLog(etlx);
using var output = new StreamWriter(args[1]);
var source = log.Events.GetSource();
var samples = 0;
source.Clr.GCAllocationTick += tick =>
{
    output.Write(tick.AllocationAmount64.ToString(CultureInfo.InvariantCulture));
    output.Write('\t');
    output.Write(tick.TypeName);
    for (var frame = tick.CallStack(); frame is not null; frame = frame.Caller)
    {
        output.Write('\t');
        output.Write(frame.CodeAddress.ModuleName);
        output.Write('!');
        output.Write(frame.CodeAddress.FullMethodName);
    }

    output.WriteLine();
    samples++;
};
source.Process();
Console.Error.WriteLine($"{samples} allocation samples");
return 0;
