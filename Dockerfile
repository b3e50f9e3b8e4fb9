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
# Only the function workspace is installed (about a tenth of the whole project's node_modules):
# npm needs the root manifest, the one lockfile and every workspace's package.json to resolve it.
COPY package.json package-lock.json ./
COPY function/package.json function/package.json
COPY packages/delivery-records/package.json packages/delivery-records/package.json
COPY packages/fake-aws/package.json packages/fake-aws/package.json
# --ignore-scripts: no dependency needs an install script to bundle; the lockfile pins everything.
RUN --mount=type=cache,target=/root/.npm \
    npm ci -w function --include-workspace-root=false --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY function/tsconfig.json function/tsconfig.json
COPY function/build.ts function/build.ts
COPY function/src function/src
# The delivery functions (CodeDeploy hooks, DORA recorder) go into the same image as the app.
COPY function/delivery/hooks function/delivery/hooks
COPY function/delivery/recorder function/delivery/recorder
# The recorder shares its record, time and deployment-description rules with the delivery tools.
COPY packages/delivery-records/src packages/delivery-records/src
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
