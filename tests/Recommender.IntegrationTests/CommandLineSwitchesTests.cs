using Recommender.Server.Configuration;

namespace Recommender.IntegrationTests;

public sealed class CommandLineSwitchesTests
{
    [Fact]
    public void Expand_ShortSwitches_BecomeTheirConfigurationKeys()
    {
        var args = CommandLineSwitches.Expand(["--port", "6000", "--data-dir=/tmp/site-b", "--redis", "r:6379,password=x", "--namespace", "site-b", "--urls", "http://x"]);

        Assert.Equal(
        [
            "--Recommender:Server:Port=6000",
            "--Recommender:Embedded:DataDir=/tmp/site-b",
            "--Recommender:Redis:Connection=r:6379,password=x",
            "--Recommender:Namespace=site-b",
            "--urls=http://x",
        ], args);
    }

    [Fact]
    public void Expand_SwitchWithoutValue_SaysWhichKeyItSets()
    {
        var ex = Assert.Throws<ArgumentException>(() => CommandLineSwitches.Expand(["--port"]));
        Assert.Contains("Recommender:Server:Port", ex.Message);
    }
}
