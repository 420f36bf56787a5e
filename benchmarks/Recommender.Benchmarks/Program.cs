using BenchmarkDotNet.Running;
using Recommender.Benchmarks;

// dotnet run -c Release --project benchmarks/Recommender.Benchmarks -- --filter '*' [--job short]
// dotnet run -c Release --project benchmarks/Recommender.Benchmarks -- index-report --articles 100000
// dotnet run -c Release --project benchmarks/Recommender.Benchmarks -- relevance A.jsonl B.jsonl [Featurizer:Key=Value]
// dotnet run -c Release --project benchmarks/Recommender.Benchmarks -- analysis-profile
if (args.Length > 0 && args[0] == "index-report")
{
    return IndexReport.Run(args);
}
if (args.Length > 0 && args[0] == "analysis-profile")
{
    return AnalysisProfile.Run();
}
if (args.Length > 0 && args[0] == "relevance")
{
    return RelevanceAblation.Run(args);
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;

public partial class Program;
