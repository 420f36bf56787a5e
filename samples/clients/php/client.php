<?php
// A CMS integration in PHP, as a WordPress or Drupal backend would write it: the JSON routes over
// curl, nothing else. It syncs a corpus in batches, reconciles it with what the service holds
// (deleting what the CMS no longer has), fetches a "You may also like" list for a stored article
// (revalidating it with its ETag) and for an unsaved draft, renders the block as escaped HTML, and
// sends a reader's click as a browser's beacon would. Run with run.sh. The service's HTTP address
// comes from RECOMMENDER_HTTP (default http://localhost:8080), the API key, if any, from
// RECOMMENDER_API_KEY. It works in a namespace of its own and deletes it at the end.
declare(strict_types=1);

final class RecommenderClient
{
    public function __construct(private string $base, private ?string $apiKey, private string $namespace)
    {
    }

    /** Sends one request; returns [HTTP status, decoded body, response headers]. */
    public function request(string $method, string $path, ?array $body = null, array $headers = [], string $contentType = 'application/json'): array
    {
        $curl = curl_init($this->base . $path);
        $responseHeaders = [];
        $send = ['Accept: application/json'];
        if ($this->apiKey !== null && $this->apiKey !== '') {
            $send[] = 'Authorization: Bearer ' . $this->apiKey;
        }
        if ($body !== null) {
            $send[] = 'Content-Type: ' . $contentType;
            curl_setopt($curl, CURLOPT_POSTFIELDS, json_encode($body, JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE));
        }
        curl_setopt_array($curl, [
            CURLOPT_CUSTOMREQUEST => $method,
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_HTTPHEADER => array_merge($send, $headers),
            CURLOPT_TIMEOUT => 30,
            CURLOPT_HEADERFUNCTION => function ($curl, string $line) use (&$responseHeaders): int {
                $parts = explode(':', $line, 2);
                if (count($parts) === 2) {
                    $responseHeaders[strtolower(trim($parts[0]))] = trim($parts[1]);
                }
                return strlen($line);
            },
        ]);
        $text = curl_exec($curl);
        if ($text === false) {
            throw new RuntimeException("cannot reach the service at {$this->base}: " . curl_error($curl));
        }
        $status = curl_getinfo($curl, CURLINFO_RESPONSE_CODE);
        curl_close($curl);
        $decoded = $text === '' ? null : json_decode($text, true, 512, JSON_THROW_ON_ERROR);
        return [$status, $decoded, $responseHeaders];
    }

    /** Like request, but a status other than 200 is an exception naming the field the service refused. */
    public function call(string $method, string $path, ?array $body = null): array
    {
        [$status, $decoded] = $this->request($method, $path, $body);
        if ($status !== 200) {
            $field = $decoded['details'][0]['fieldViolations'][0]['field'] ?? null;
            throw new RuntimeException("$method $path: HTTP $status" . ($field ? " ($field)" : '') . ': ' . ($decoded['message'] ?? ''));
        }
        return $decoded;
    }

    /** Upserts posts in batches of up to 500 (one batch is all or nothing). */
    public function sync(array $posts): int
    {
        $created = 0;
        foreach (array_chunk($posts, 500) as $batch) {
            $response = $this->call('POST', '/v1/articles', ['namespace' => $this->namespace, 'articles' => array_map([self::class, 'article'], $batch)]);
            $created += $response['created'] ?? 0;
        }
        return $created;
    }

    /** Deletes what the service holds and the CMS does not: the reconciliation after an outage. */
    public function prune(array $posts): array
    {
        $wanted = array_fill_keys(array_column($posts, 'ID'), true);
        $stale = [];
        $token = '';
        do {
            $page = $this->call('GET', '/v1/articles?' . http_build_query(['namespace' => $this->namespace, 'pageSize' => 1000, 'pageToken' => $token]));
            foreach ($page['articles'] ?? [] as $stored) {
                if (!isset($wanted[$stored['id']])) {
                    $stale[] = $stored['id'];
                }
            }
            $token = $page['nextPageToken'] ?? '';
        } while ($token !== '');
        foreach (array_chunk($stale, 1000) as $ids) {
            $this->call('POST', '/v1/articles:batchDelete', ['namespace' => $this->namespace, 'ids' => $ids]);
        }
        return $stale;
    }

    /** The list for a stored article, over the cacheable GET route; [status, list or null, ETag]. */
    public function related(string $id, int $limit, ?string $etag = null): array
    {
        $query = http_build_query(['id' => $id, 'namespace' => $this->namespace, 'limit' => $limit]);
        [$status, $list, $headers] = $this->request('GET', '/v1/related?' . $query, null, $etag === null ? [] : ["If-None-Match: $etag"]);
        if ($status !== 200 && $status !== 304) {
            throw new RuntimeException("GET /v1/related: HTTP $status: " . ($list['message'] ?? ''));
        }
        return [$status, $list, $headers['etag'] ?? null];
    }

    /** The list for a draft an editor has not saved. */
    public function preview(string $title, string $body, int $limit): array
    {
        return $this->call('POST', '/v1/related:preview', ['namespace' => $this->namespace, 'title' => $title, 'body' => $body, 'options' => ['limit' => $limit]]);
    }

    /** What a reader's browser sends with navigator.sendBeacon: text/plain, no namespace (the id says it). */
    public function beacon(array $list, int $position, string $kind): array
    {
        $event = ['recommendationId' => $list['recommendationId'], 'kind' => $kind, 'articleId' => $list['items'][$position - 1]['id'], 'position' => $position];
        return $this->request('POST', '/v1/feedback', ['events' => [$event]], [], 'text/plain');
    }

    public function dropNamespace(): void
    {
        $this->call('DELETE', '/v1/namespaces/' . rawurlencode($this->namespace));
    }

    /** A WordPress post as an article: a permalink id, and post_date_gmt (UTC, no zone) as RFC 3339. */
    private static function article(array $post): array
    {
        $published = DateTimeImmutable::createFromFormat('Y-m-d H:i:s', $post['post_date_gmt'], new DateTimeZone('UTC'));
        return [
            'id' => $post['ID'],
            'title' => $post['post_title'],
            'body' => strip_tags($post['post_content']),
            'url' => $post['guid'],
            'section' => $post['category'],
            'published' => $published->format(DATE_RFC3339),
        ];
    }
}

/** The "You may also like" block, every text escaped for HTML. */
function render_block(array $list): string
{
    $items = '';
    foreach ($list['items'] ?? [] as $position => $item) {
        $items .= sprintf(
            '<li data-position="%d"><a href="%s">%s</a> <small>%s</small></li>',
            $position + 1,
            htmlspecialchars($item['url'] ?? '', ENT_QUOTES | ENT_HTML5),
            htmlspecialchars($item['title'], ENT_QUOTES | ENT_HTML5),
            htmlspecialchars($item['section'] ?? '', ENT_QUOTES | ENT_HTML5),
        );
    }
    return "<aside class=\"related\"><h2>You may also like</h2><ol>$items</ol></aside>";
}

function check(bool $condition, string $what): void
{
    if (!$condition) {
        throw new RuntimeException("check failed: $what");
    }
}

$base = rtrim(getenv('RECOMMENDER_HTTP') ?: 'http://localhost:8080', '/');
$namespace = 'php-' . bin2hex(random_bytes(4));
$client = new RecommenderClient($base, getenv('RECOMMENDER_API_KEY') ?: null, $namespace);

// Posts as a WordPress export has them: permalink ids with '/', dates without a zone, HTML bodies.
$stories = [
    'harbour' => [
        'The harbour ferry timetable changes in May, with crossings every twenty minutes.',
        'Fishermen at the harbour protest against new quotas set by the port authority.',
        'A storm damaged the harbour wall; repairs to the pier will take until autumn.',
        'The harbour festival returns with tall ships, a fish market and evening concerts.',
    ],
    'library' => [
        'The council votes to move the old library into the former post office.',
        'Library opening hours grow on weekends after readers signed a petition.',
        'The library lends laptops and teaches older readers to use them.',
        'A rare map collection is donated to the city library archive.',
    ],
    'cycling' => [
        'A new cycle lane opens along the river, linking the station with the university.',
        'Cycling to school doubles after the council closes two streets to cars.',
        'The city bike share adds electric bikes and fifty new docking stations.',
        'Cyclists ask for safer junctions after a rise in accidents on the ring road.',
    ],
];
$posts = [];
foreach ($stories as $category => $texts) {
    foreach ($texts as $i => $text) {
        $slug = "2026/12/$category-$i";
        $posts[] = [
            'ID' => $slug,
            'post_title' => preg_split('/[,;]/', $text)[0],
            'post_content' => "<p>$text</p>",
            'guid' => "https://news.example.com/$slug/",
            'category' => $category,
            'post_date_gmt' => sprintf('2026-12-%02d 10:00:00', $i + 1),
        ];
    }
}

// 1. Sync, then reconcile: the CMS deleted one post while the service was unreachable.
$created = $client->sync($posts);
check($created === count($posts), "created $created of " . count($posts));
$removed = array_pop($posts);
$stale = $client->prune($posts);
check($stale === [$removed['ID']], 'pruned ' . implode(',', $stale));
echo "synced " . count($posts) . " posts, pruned " . implode(',', $stale) . "\n";

// One stored article by its permalink id, percent-encoded as rawurlencode does.
$stored = $client->call('GET', '/v1/articles/' . rawurlencode('2026/12/harbour-1') . '?namespace=' . $namespace);
check($stored['article']['published'] === '2026-12-02T10:00:00Z', 'published ' . $stored['article']['published']);

// 2. The list for a stored article, then revalidated: 304 while nothing near it changed.
[$status, $list, $etag] = $client->related('2026/12/harbour-1', 3);
check($status === 200 && count($list['items']) === 3 && $etag !== null, "GET /v1/related: $status");
$ids = array_column($list['items'], 'id');
check(!in_array('2026/12/harbour-1', $ids, true), 'the article lists itself');
[$again] = $client->related('2026/12/harbour-1', 3, $etag);
check($again === 304, "revalidation: $again");
echo "related to 2026/12/harbour-1: " . implode(', ', $ids) . " (ETag $etag, then 304)\n";

// 3. The block as HTML: headlines escaped.
$list['items'][0]['title'] = 'Harbour <b>& more</b>'; // whatever a headline holds
$html = render_block($list);
check(str_contains($html, 'Harbour &lt;b&gt;&amp; more&lt;/b&gt;') && !str_contains($html, '<b>'), 'escaping');

// 4. A draft's list, before it is saved.
$draft = $client->preview('Night ferry added', 'A late ferry will leave the harbour at midnight on weekends.', 3);
check(count($draft['items']) === 3, 'draft list');
echo "related to a draft: " . implode(', ', array_column($draft['items'], 'id')) . "\n";

// 5. A reader clicks the second suggestion: the beacon, as navigator.sendBeacon sends it.
[$status, $recorded] = $client->beacon($list, 2, 'FEEDBACK_KIND_CLICK');
check($status === 200 && $recorded['recorded'] === 1, "beacon: $status");
$stats = $client->call('GET', '/v1/stats?namespace=' . $namespace);
check($stats['feedback']['clicks'] === 1, 'clicks ' . json_encode($stats['feedback']));

// A refused request names its field: a date as WordPress stores it, sent without conversion.
[$status, $error] = $client->request('POST', '/v1/articles', ['namespace' => $namespace, 'articles' => [
    ['id' => 'x', 'title' => 'T', 'body' => 'B', 'published' => '2026-12-01 10:00:00'],
]]);
$field = $error['details'][0]['fieldViolations'][0]['field'] ?? '';
check($status === 400 && $field === 'articles[0].published', "refused: $status $field");
echo "refused: HTTP 400 $field\n";

$client->dropNamespace();
echo "php client: ok\n";
