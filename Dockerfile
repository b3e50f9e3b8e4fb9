# syntax=docker/dockerfile:1
#
# Two images from one bundle build:
#   docker buildx build --platform linux/arm64 -t fn .          -> the Lambda image (default: LAST stage)
#   docker buildx build --target server -t fn-server .          -> a plain Node.js HTTP server image
#
# The bundle is plain JavaScript, so the builder always runs on the build platform: an arm64
# image needs no emulated build.

FROM --platform=$BUILDPLATFORM node:22-bookworm-slim AS builder
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: no dependency needs an install script to bundle; the lockfile pins everything.
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY function/build.ts function/build.ts
COPY function/src function/src
# The DORA recorder bundle shares its record and time rules with the CLI in tools/dora, and
# parses the deployment description the release command writes.
COPY tools/dora/core tools/dora/core
COPY tools/release/deployment-description.ts tools/release/deployment-description.ts
RUN npm run build

# The same core behind the local HTTP adapter, for any container platform (Cloud Run, ECS, Kubernetes).
FROM node:22-bookworm-slim AS server
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080
WORKDIR /app
COPY --from=builder /app/function/dist/server.mjs /app/function/dist/server.mjs.map ./
# The official image's unprivileged user; the files above stay root-owned and read-only to it.
USER node
EXPOSE 8080
# The slim image has no curl: Node's fetch does the probe.
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.PORT+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--enable-source-maps", "server.mjs"]

# The default target (last stage): the Lambda image. Only the bundles and their maps go in.
FROM public.ecr.aws/lambda/nodejs:22 AS lambda
COPY --from=builder /app/function/dist/*.mjs /app/function/dist/*.mjs.map ${LAMBDA_TASK_ROOT}/
CMD ["index.handler"]
