using Recommender.Cli.Commands;
using Spectre.Console.Cli;

namespace Recommender.Cli;

public static class CliApp
{
    public static Task<int> RunAsync(string[] args)
    {
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("recommender");
            // An unknown flag is an error, never ignored: `import f.jsonl --namepsace site-b` must not write into the default site.
            config.UseStrictParsing();
            config.SetExceptionHandler((ex, _) => ExitCodes.Usage(ex));
            config.AddCommand<ImportCommand>("import")
                .WithDescription("Validate a JSON Lines file of articles, upsert it in batches and wait until it is searchable; --prune also deletes what the file does not hold.")
                .WithExample("import", "articles.jsonl")
                .WithExample("import", "all-articles.jsonl", "--prune", "--dry-run");
            config.AddBranch("articles", articles =>
            {
                articles.SetDescription("Read back what the service stores.");
                articles.AddCommand<ArticlesListCommand>("list")
                    .WithDescription("Every stored id with its update time (tab-separated, or --json lines).")
                    .WithExample("articles", "list", "--updated-after", "2026-12-01T08:00:00Z");
                articles.AddCommand<ArticlesGetCommand>("get")
                    .WithDescription("One stored article as the service holds it.")
                    .WithExample("articles", "get", "politics-001");
            });
            config.AddCommand<WatchCommand>("watch")
                .WithDescription("Print what changes related lists (article writes and deletes, new models, rule edits) as it happens, here or on other replicas.");
            config.AddCommand<RelatedCommand>("related")
                .WithDescription("Show the \"You may also like\" list for a stored article (or, with --ids-file, for many as JSON lines).")
                .WithExample("related", "politics-001", "--limit", "5")
                .WithExample("related", "--ids-file", "ids.txt", "--limit", "10", "--json");
            config.AddCommand<PreviewCommand>("preview")
                .WithDescription("Show the related list for a draft that is not stored (body from --body-file or standard input).")
                .WithExample("preview", "--title", "Budget vote tonight", "--body-file", "draft.txt");
            config.AddCommand<DeleteCommand>("delete")
                .WithDescription("Delete stored articles by id.");
            config.AddCommand<RetrainCommand>("retrain")
                .WithDescription("Refit the featurizer on the whole stored corpus now.");
            config.AddCommand<EvalCommand>("eval")
                .WithDescription("Measure relevance (P@5, P@10, nDCG@10, dup@5) on labelled corpora, text only, each in a fresh namespace of the service.")
                .WithExample("eval", "labelled.jsonl", "--limit", "10")
                .WithExample("eval", "english.jsonl", "german.jsonl", "--json");
            config.AddCommand<BenchCommand>("bench")
                .WithDescription("Load generator: import N synthetic articles into a fresh namespace, then drive GetRelated or PreviewRelated and report throughput and latency.")
                .WithExample("bench", "--articles", "100000", "--concurrency", "32", "--duration", "30", "--json");
            config.AddCommand<PropagationCommand>("propagation")
                .WithDescription("Write-to-visible delay across two replicas: write through --server, time until --replica lists it.")
                .WithExample("propagation", "--server", "http://localhost:50051", "--replica", "http://localhost:50052", "--probes", "200");
            config.AddCommand<StatsCommand>("stats")
                .WithDescription("Show the serving model, what the store holds and the click-through of related lists.");
            config.AddCommand<SearchCommand>("search")
                .WithDescription("Find stored articles by words of their headline.")
                .WithExample("search", "budget", "vote");
            config.AddBranch("rules", rules =>
            {
                rules.SetDescription("Editorial rules: pin an article into a list, block articles, sections or tags.");
                rules.AddCommand<RulePinCommand>("pin")
                    .WithDescription("Pin an article into another article's list at a position.")
                    .WithExample("rules", "pin", "politics-042", "--into", "politics-001", "--position", "1", "--for", "2d");
                rules.AddCommand<RuleBlockCommand>("block")
                    .WithDescription("Keep an article, a section or a tag out of every list, one article's list, or the lists under a section or tag.")
                    .WithExample("rules", "block", "sport-013")
                    .WithExample("rules", "block", "--section", "entertainment", "--under-section", "politics");
                rules.AddCommand<RuleListCommand>("list")
                    .WithDescription("List the rules, expired ones marked.");
                rules.AddCommand<RuleRemoveCommand>("rm")
                    .WithDescription("Remove a rule by id.");
            });
        });
        return RunThenSayExitCodesAsync(app, args);
    }

    /// <summary>The application's help ends with the exit code table.</summary>
    private static async Task<int> RunThenSayExitCodesAsync(CommandApp app, string[] args)
    {
        var code = await app.RunAsync(args);
        if (args.Length == 0 || args is ["--help"] or ["-h"] or ["-?"])
        {
            Console.WriteLine(ExitCodes.Table);
        }
        return code;
    }
}
