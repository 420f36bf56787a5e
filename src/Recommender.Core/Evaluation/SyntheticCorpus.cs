using System.Text;
using Recommender.Core.Articles;

namespace Recommender.Core.Evaluation;

/// <summary>
/// A seeded generator of news-like articles for sizes the shared data does not reach: topics with
/// vocabularies of their own over a shared general vocabulary, Zipf word frequencies, stories within
/// each topic (events with their own names and places, which the articles about them repeat),
/// sections that group topics, publication dates over two years, and near-duplicate
/// re-publications (a new first sentence on an earlier story). Labels are the topic, so a
/// generated corpus can be evaluated.
/// The same seed and size always give the same corpus.
/// </summary>
public static class SyntheticCorpus
{
    private const int Topics = 60;
    private const int Sections = 8;
    private const int TopicWords = 400;
    private const int GeneralWords = 3_000;
    private const double TopicShare = 0.45;
    private const int StoriesPerTopic = 40;
    private const int StoryWords = 12;
    private const double StoryShare = 0.12;
    private const double NearDuplicateShare = 0.03;

    public static IEnumerable<ArticleLine> Generate(int count, int seed = 42)
    {
        var random = new Random(seed);
        var general = Vocabulary(random, GeneralWords);
        var topics = Enumerable.Range(0, Topics).Select(_ => Vocabulary(random, TopicWords)).ToArray();
        var stories = Enumerable.Range(0, Topics * StoriesPerTopic).Select(_ => Vocabulary(random, StoryWords)).ToArray();
        var generalZipf = new Zipf(GeneralWords, 1.05);
        var topicZipf = new Zipf(TopicWords, 1.1);
        var start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var recent = new List<(string Body, int Topic)>();

        for (var i = 0; i < count; i++)
        {
            var topic = random.Next(Topics);
            var story = stories[topic * StoriesPerTopic + random.Next(StoriesPerTopic)];
            string Word()
            {
                var r = random.NextDouble();
                return r < StoryShare ? story[random.Next(StoryWords)]
                    : r < StoryShare + TopicShare ? topics[topic][topicZipf.Sample(random)]
                    : general[generalZipf.Sample(random)];
            }
            string Sentence(int min, int max)
            {
                var words = Enumerable.Range(0, random.Next(min, max + 1)).Select(_ => Word()).ToArray();
                words[0] = char.ToUpperInvariant(words[0][0]) + words[0][1..];
                return string.Join(' ', words) + ".";
            }

            string body;
            if (recent.Count > 0 && random.NextDouble() < NearDuplicateShare)
            {
                // Re-published: an earlier story with a new first sentence.
                var original = recent[random.Next(recent.Count)];
                topic = original.Topic;
                body = Sentence(8, 14) + " " + original.Body[(original.Body.IndexOf('.') + 2)..];
            }
            else
            {
                var text = new StringBuilder();
                var sentences = random.Next(10, 40);
                for (var s = 0; s < sentences; s++)
                {
                    text.Append(Sentence(8, 20)).Append(s % 5 == 4 ? "\n\n" : " ");
                }
                body = text.ToString().TrimEnd();
            }
            if (recent.Count < 2_000)
            {
                recent.Add((body, topic));
            }
            else
            {
                recent[random.Next(recent.Count)] = (body, topic);
            }

            var section = $"section-{topic % Sections}";
            var id = $"syn-{i:D7}";
            var title = Sentence(5, 9).TrimEnd('.');
            var published = start.AddMinutes(random.Next(0, 2 * 365 * 24 * 60));
            var article = new Article(id, title, body, $"https://news.example.com/{section}/{id}", section, [$"topic-{topic}"], "en", published);
            yield return new ArticleLine(i + 1, article, [$"topic-{topic}"]);
        }
    }

    /// <summary>Pronounceable pseudo-words, distinct within one vocabulary.</summary>
    private static string[] Vocabulary(Random random, int size)
    {
        string[] onsets = ["b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "br", "cr", "st", "tr", "pl", "gr", "sh", "ch"];
        string[] vowels = ["a", "e", "i", "o", "u", "ai", "ea", "ou", "io"];
        var words = new HashSet<string>(StringComparer.Ordinal);
        while (words.Count < size)
        {
            var syllables = random.Next(2, 4);
            var word = new StringBuilder();
            for (var s = 0; s < syllables; s++)
            {
                word.Append(onsets[random.Next(onsets.Length)]).Append(vowels[random.Next(vowels.Length)]);
            }
            if (random.Next(3) == 0)
            {
                word.Append(onsets[random.Next(onsets.Length)]);
            }
            words.Add(word.ToString());
        }
        return [.. words];
    }

    /// <summary>Ranks 0..n-1 with probability ∝ 1/(rank+1)^s, by inverting the cumulative distribution.</summary>
    private sealed class Zipf
    {
        private readonly double[] _cumulative;

        public Zipf(int n, double s)
        {
            _cumulative = new double[n];
            var total = 0.0;
            for (var k = 0; k < n; k++)
            {
                total += 1 / Math.Pow(k + 1, s);
                _cumulative[k] = total;
            }
            for (var k = 0; k < n; k++)
            {
                _cumulative[k] /= total;
            }
        }

        public int Sample(Random random)
        {
            var index = Array.BinarySearch(_cumulative, random.NextDouble());
            return Math.Min(index < 0 ? ~index : index, _cumulative.Length - 1);
        }
    }
}
