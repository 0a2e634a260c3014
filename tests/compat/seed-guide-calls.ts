/**
 * Every HTTP call of the seed design's execution guide (`shared/seeds/004_*.md`), as written there, in the
 * guide's order. `repeat` marks the body of a shell loop in the guide (run here once). Ports: 8000 is the
 * platform's own port; 8080 (Airflow), 8001 (the PyTorch API), 6566 (Feast) and 5000 (MLflow) are the same
 * app through MLOPS_EXTRA_PORTS=guide. Calls to other software (Prometheus on 9090, Grafana on 3000, Kafka
 * UI) are not ours and are not listed.
 */
export interface GuideCall {
  name: string;
  /** The shell command, verbatim from the guide. */
  command: string;
  /** What the answer must hold, beyond a 2xx. */
  expect?: (body: string) => void;
  /** A pipeline: the command's exit status is the check (the guide pipes into grep). */
  isPipeline?: boolean;
}

export const GUIDE_CALLS: GuideCall[] = [
  {
    name: 'stage 1: trigger movie_data_collection through the Airflow API',
    command: `curl -X POST "http://localhost:8080/api/v1/dags/movie_data_collection/dagRuns" \\
     -H "Content-Type: application/json" \\
     -u admin:admin \\
     -d '{"conf": {}}'`,
  },
  {
    name: 'stage 2: one movie’s features',
    command: `curl -X GET "http://localhost:8000/api/v1/features/movie/123" \\
     -H "Content-Type: application/json"`,
  },
  {
    name: 'stage 2: batch features with the guide’s short names',
    command: `curl -X POST "http://localhost:8000/api/v1/features/batch" \\
     -H "Content-Type: application/json" \\
     -d '{
       "entity_ids": [1, 2, 3, 4, 5],
       "features": ["rating", "popularity", "genre"],
       "entity_type": "movie"
     }'`,
  },
  {
    name: 'stage 5: trigger movie_training_pipeline',
    command: `curl -X POST \\
     "http://localhost:8080/api/v1/dags/movie_training_pipeline/dagRuns" \\
     -H "Content-Type: application/json" \\
     -u admin:admin \\
     -d '{"conf": {}}'`,
  },
  {
    name: 'stage 6: create an experiment with a description',
    command: `curl -X POST "http://localhost:8000/mlflow/experiments" \\
     -H "Content-Type: application/json" \\
     -d '{
       "name": "movie_recommendation_experiment",
       "description": "영화 추천 모델 실험"
     }'`,
  },
  { name: 'stage 6: list experiments', command: `curl -X GET "http://localhost:8000/mlflow/experiments"` },
  { name: 'stage 6: list registered models', command: `curl -X GET "http://localhost:8000/mlflow/models"` },
  {
    name: 'stage 6: the guide’s model, movie_predictor',
    command: `curl -X GET "http://localhost:8000/mlflow/models/movie_predictor"`,
  },
  {
    name: 'stage 6: stage transition with model_name in the body',
    command: `curl -X POST "http://localhost:8000/mlflow/models/stage-transition" \\
     -H "Content-Type: application/json" \\
     -d '{
       "model_name": "movie_predictor",
       "version": "1",
       "stage": "Production",
       "description": "첫 번째 프로덕션 모델"
     }'`,
  },
  {
    name: 'stage 6: promote to production with the version in the body',
    command: `curl -X POST \\
     "http://localhost:8000/mlflow/models/movie_predictor/promote-to-production" \\
     -H "Content-Type: application/json" \\
     -d '{
       "version": "1",
       "description": "성능 검증 완료 후 프로덕션 승격"
     }'`,
  },
  {
    name: 'stage 7: predict (PyTorch API port)',
    command: `curl -X POST "http://localhost:8001/predict" \\
     -H "Content-Type: application/json" \\
     -d '{
       "user_id": 1,
       "movie_ids": [1, 2, 3, 4, 5]
     }'`,
  },
  {
    name: 'stage 7: recommend',
    command: `curl -X POST "http://localhost:8001/recommend" \\
     -H "Content-Type: application/json" \\
     -d '{
       "user_id": 1,
       "k": 10,
       "exclude_seen": true
     }'`,
  },
  {
    name: 'stage 7: similar movies',
    command: `curl -X POST "http://localhost:8001/similar" \\
     -H "Content-Type: application/json" \\
     -d '{
       "movie_id": 123,
       "k": 5
     }'`,
  },
  { name: 'stage 7: legacy top-k', command: `curl -X GET "http://localhost:8000/?k=10"` },
  {
    name: 'stage 7: anonymous recommendations',
    command: `curl -X GET "http://localhost:8000/api/v1/recommendations?k=10"`,
  },
  {
    name: 'stage 7: recommend, short body',
    command: `curl -X POST "http://localhost:8001/recommend" \\
     -H "Content-Type: application/json" \\
     -d '{"user_id": 1, "k": 10}'`,
  },
  { name: 'stage 8 (loop): legacy top-5', command: `curl -X GET "http://localhost:8000/?k=5"` },
  {
    name: 'stage 8 (loop): anonymous top-3',
    command: `curl -X GET "http://localhost:8000/api/v1/recommendations?k=3"`,
  },
  {
    name: 'stage 8: metrics',
    command: `curl http://localhost:8000/metrics | grep -E "(http_requests|model_predictions)"`,
    isPipeline: true,
  },
  {
    name: 'stage 9: model drift trigger, the guide’s body',
    command: `curl -X POST "http://localhost:8000/api/v1/trigger/model-drift" \\
     -H "Content-Type: application/json" \\
     -d '{
       "model_name": "movie_predictor",
       "drift_score": 0.85,
       "threshold": 0.7
     }'`,
  },
  {
    name: 'stage 9: system overload trigger, the guide’s body',
    command: `curl -X POST "http://localhost:8000/api/v1/trigger/system-overload" \\
     -H "Content-Type: application/json" \\
     -d '{
       "service_name": "movie-api",
       "cpu_usage": 95.0,
       "memory_usage": 88.5
     }'`,
  },
  {
    name: 'stage 9 (loop): user interaction with string ids',
    command: `i=7; curl -X POST "http://localhost:8000/api/v1/events/user-interaction" \\
       -H "Content-Type: application/json" \\
       -d "{
         \\"user_id\\": \\"user_$(($i % 10 + 1))\\",
         \\"movie_id\\": \\"movie_$((RANDOM % 100 + 1))\\",
         \\"interaction_type\\": \\"view\\",
         \\"rating\\": $((RANDOM % 5 + 1))
       }"`,
  },
  {
    name: 'scenario 1: a new user’s recommendations',
    command: `curl -X GET "http://localhost:8000/api/v1/recommendations?k=10&user_id=test_user_001"`,
  },
  {
    name: 'scenario 2: the user’s feedback',
    command: `curl -X POST "http://localhost:8000/api/v1/feedback" \\
     -H "Content-Type: application/json" \\
     -d '{
       "user_id": "test_user_001",
       "movie_id": "123",
       "rating": 4.5,
       "interaction_type": "like"
     }'`,
  },
  {
    name: 'scenario 3: metrics',
    command: `curl -s http://localhost:8000/metrics | grep -E "(recommendation|prediction|user)"`,
    isPipeline: true,
  },
  { name: 'final check: Airflow health', command: `curl -s http://localhost:8080/health` },
  { name: 'final check: Feast health', command: `curl -s http://localhost:6566/health` },
  {
    name: 'final check: the training pipeline is registered',
    command: `curl -s http://localhost:8080/api/v1/dags -u admin:admin | grep -q "movie_training_pipeline"`,
    isPipeline: true,
  },
  { name: 'final check: MLflow health', command: `curl -s http://localhost:5000/health` },
  { name: 'final check: PyTorch API health', command: `curl -s http://localhost:8001/health` },
];
