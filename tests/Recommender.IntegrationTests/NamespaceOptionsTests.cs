using Microsoft.Extensions.Configuration;
using Recommender.Server.Configuration;

namespace Recommender.IntegrationTests;

public sealed class NamespaceOptionsTests
{
    private static NamespaceOptions Read(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)))
            .Build();
        var options = new NamespaceOptions();
        options.Read(configuration);
        return options;
    }

    [Fact]
    public void TheNewKey_SetsTheNamespace_AndWinsOverTheFormerOne()
    {
        var options = Read(("Recommender:Namespace", "site-a"), ("Recommender:Redis:Namespace", "site-b"));

        Assert.Equal("site-a", options.Default);
        Assert.False(options.FromFormerKey);
    }

    [Fact]
    public void TheFormerKey_StillSetsTheNamespace_AndIsFlaggedForTheWarning()
    {
        var options = Read(("Recommender:Redis:Namespace", "site-b"));

        Assert.Equal("site-b", options.Default);
        Assert.True(options.FromFormerKey);
    }

    [Fact]
    public void NeitherKey_LeavesTheDefaultNamespace()
    {
        var options = Read();

        Assert.Equal("default", options.Default);
        Assert.False(options.FromFormerKey);
    }
}
