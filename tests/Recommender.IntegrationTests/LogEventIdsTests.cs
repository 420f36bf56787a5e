using System.Reflection;
using Microsoft.Extensions.Logging;

namespace Recommender.IntegrationTests;

/// <summary>Log events are told apart by id: each project has a range of its own, and no id is used twice.</summary>
public sealed class LogEventIdsTests
{
    /// <summary>The first id of each project's range of 1,000.</summary>
    private static readonly Dictionary<string, int> Ranges = new()
    {
        ["Recommender.Engine"] = 1000,
        ["Recommender.Server"] = 2000,
        ["Recommender.Storage.Redis"] = 3000,
        ["Recommender.Storage.Embedded"] = 4000,
        ["Recommender.Featurizer"] = 5000,
        ["recommender"] = 6000, // the CLI
    };

    [Fact]
    public void EveryLogEvent_HasAnIdOfItsOwn_InItsProjectsRange()
    {
        Assembly[] assemblies =
        [
            typeof(Engine.RecommendationEngine).Assembly, typeof(Program).Assembly, typeof(Storage.Redis.RedisStores).Assembly,
            typeof(Storage.Embedded.EmbeddedGarnetServer).Assembly, typeof(Featurizer.MlNetFeaturizer).Assembly, typeof(Cli.CliApp).Assembly,
        ];
        var events = assemblies
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(m => (Method: $"{m.DeclaringType!.FullName}.{m.Name}", Project: m.DeclaringType!.Assembly.GetName().Name!, m.GetCustomAttribute<LoggerMessageAttribute>()?.EventId))
            .Where(e => e.EventId is not null)
            .ToList();

        Assert.True(events.Count > 30, $"only {events.Count} log events found");
        Assert.All(events, e => Assert.InRange(e.EventId!.Value, Ranges[e.Project], Ranges[e.Project] + 999));
        var reused = events.GroupBy(e => e.EventId).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(e => e.Method))}");
        Assert.Empty(reused);
    }
}
