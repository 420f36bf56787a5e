using System.Globalization;
using Recommender.Api.V1;
using Spectre.Console;

namespace Recommender.Cli.Commands;

internal static class ModelOutput
{
    public static void AddRows(Table table, ModelInfo model)
    {
        table.AddRow("model", Markup.Escape(model.Version));
        table.AddRow("  fitted", Markup.Escape(
            $"{model.FittedAt?.ToDateTimeOffset():yyyy-MM-dd HH:mm} UTC on {model.FittedOnArticles:N0} articles in {model.FitSeconds:0.0} s"));
        table.AddRow("  vectors", $"{model.Dimensions} dimensions");
        table.AddRow("  pipeline", Markup.Escape(model.Description));
    }
}
