using BenchmarkDotNet.Running;
using Recommender.Benchmarks;

// dotnet run -c Release --project benchmarks/Recommender.Benchmarks -- --filter '*' [--job short]
// dotnet run -c Release --project benchmarks/Recommender.Benchmarks -- index-report --articles 100000
if (args.Length > 0 && args[0] == "index-report")
{
    return IndexReport.Run(args);
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;

public partial class Program;
